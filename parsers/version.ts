export const PARSER_VERSION = '0.2.6';
