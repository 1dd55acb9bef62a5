/**
 * Runs an external program (Tesseract, pdftoppm) as a child process: no shell, arguments as a
 * list, the input on stdin, the output collected up to a ceiling, killed at its deadline.
 */
import { spawn } from 'node:child_process';

export interface ToolRun {
  /** Bytes written to the program's stdin (then closed). @default none */
  input?: Uint8Array | undefined;
  /** Milliseconds before the program is killed (SIGKILL). */
  timeoutMs: number;
  /** Largest stdout kept; more kills the program. */
  maxOutputBytes: number;
  /** Extra environment variables. */
  env?: Record<string, string>;
}

/** Why a run failed: the program is not installed, ran out of time or output, or exited with an error. */
export class ToolError extends Error {
  constructor(
    readonly reason: 'missing' | 'timeout' | 'too_much_output' | 'failed',
    message: string,
  ) {
    super(message);
    this.name = 'ToolError';
  }
}

/** Runs `command args…` and resolves with its stdout; rejects with a {@link ToolError}. */
export function runTool(command: string, args: readonly string[], run: ToolRun): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...run.env }, shell: false });
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = '';
    let failure: ToolError | undefined;
    const stop = (e: ToolError) => {
      failure ??= e;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => stop(new ToolError('timeout', `${command} took longer than ${run.timeoutMs} ms`)), run.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > run.maxOutputBytes) stop(new ToolError('too_much_output', `${command} wrote more than ${run.maxOutputBytes} bytes`));
      else out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (err.length < 4096) err += chunk.toString('utf8');
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(e.code === 'ENOENT' ? new ToolError('missing', `${command} is not installed`) : new ToolError('failed', `${command}: ${e.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (failure) reject(failure);
      else if (code !== 0) reject(new ToolError('failed', `${command} exited with ${code}: ${err.trim().split('\n').slice(-2).join(' ') || 'no message'}`));
      else resolve(Buffer.concat(out));
    });
    // A program that exits before reading its input closes the pipe: that is its error to report.
    child.stdin.on('error', () => undefined);
    child.stdin.end(run.input ? Buffer.from(run.input.buffer, run.input.byteOffset, run.input.byteLength) : undefined);
  });
}
