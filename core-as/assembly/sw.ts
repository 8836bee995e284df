// ISO 7816-4 status words the applet answers with (core-as/README.md lists when).
export const SW_OK: i32 = 0x9000;
export const SW_WRONG_LENGTH: i32 = 0x6700;
export const SW_SECURITY: i32 = 0x6982;        // security status not satisfied (PIN not verified)
export const SW_BLOCKED: i32 = 0x6983;         // authentication method blocked (PIN tries used up)
export const SW_CONDITIONS: i32 = 0x6985;      // conditions of use not satisfied (wrong life-cycle state)
export const SW_WRONG_DATA: i32 = 0x6a80;      // wrong data: the protocol error code is in GET DATA C4
export const SW_NOT_FOUND: i32 = 0x6a88;       // referenced data not found (log record, tag)
export const SW_WRONG_P1P2: i32 = 0x6a86;
export const SW_FILE_FULL: i32 = 0x6a84;       // not enough memory (roots, outstanding loads)
export const SW_INS: i32 = 0x6d00;
export const SW_CLA: i32 = 0x6e00;
export const SW_PIN_TRIES: i32 = 0x63c0;       // | tries left
// Proprietary, in the e-purse tradition (PBOC / JR/T 0025 use 9401 for "insufficient balance"):
export const SW_INSUFFICIENT_FUNDS: i32 = 0x9401;
export const SW_LIMIT_EXCEEDED: i32 = 0x9402;  // a certified limit (max balance, per check, offline count or amount)
