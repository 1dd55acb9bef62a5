export const PARSER_VERSION = '0.1.0';
