// The card's memory map. Everything lives at fixed addresses: no heap is used at run time, so the
// linear memory below MEMORY_BASE is exactly RAM (lost at power off) and EEPROM (kept). The host
// persists [EE, EE + EE_SIZE) and nothing else. Record sizes are asserted by the host tests.

// ---- RAM (cleared at every power on)
export const IN_BUF: usize = 0x1000;      // command APDU, up to IN_MAX bytes
export const IN_MAX: usize = 0x2000;
export const OUT_BUF: usize = 0x3000;     // response data (status word returned apart)
export const OUT_MAX: usize = 0x1000;
export const SCRATCH: usize = 0x4000;     // Sig_structure: 4 KiB
export const SCRATCH_MAX: usize = 0x1000;
export const TOKEN: usize = 0x5000;       // an opened value token: 4 KiB
export const TOKEN_MAX: usize = 0x1000;
export const BODY: usize = 0x6000;        // a message body being built: 512 B
export const SIG: usize = 0x6200;         // a signature: 64 B
export const NONCE: usize = 0x6240;       // fresh random: 32 B
export const HASH: usize = 0x6260;        // a hash: 32 B
export const JBUF: usize = 0x6300;        // the journal being built, copied to EEPROM in one write
export const CERT_LEAF: usize = 0x7000;   // parsed certificates (see cose.ts Cert)
export const CERT_TOP: usize = 0x7100;
export const CERT_TMP: usize = 0x7200;
export const MEMORY_BASE: usize = 0xA000; // static data of the module starts here (asc --memoryBase)

// ---- EEPROM: [EE, EE + EE_SIZE)
export const EE: usize = 0x8000;
export const EE_SIZE: usize = 0x2000;
export const EE_MAGIC: u32 = 0x31414353; // "SCA1" little-endian: formatted

export const E_MAGIC: usize = EE + 0x000;      // u32
export const E_LIFECYCLE: usize = EE + 0x004;  // u8: Lifecycle
export const E_TRIES: usize = EE + 0x005;      // u8: PIN tries left (0 = blocked)
export const E_PIN_HASH: usize = EE + 0x008;   // 32: SHA-256 of the PIN digits
export const E_SIGN_SEED: usize = EE + 0x028;  // 32: Ed25519 seed (the purse signing key)
export const E_SIGN_PK: usize = EE + 0x048;    // 32
export const E_KX_SK: usize = EE + 0x068;      // 32: X25519 secret key
export const E_KX_PK: usize = EE + 0x088;      // 32
export const E_BANK_PK: usize = EE + 0x0a8;    // 32: the issuing bank's Ed25519 key (from the certificate)
export const E_PURSE_ID: usize = EE + 0x0c8;   // u8 length + 64
export const E_BANK_ID: usize = EE + 0x109;    // u8 length + 64
export const E_CURRENCY: usize = EE + 0x14a;   // 3
export const E_MAX_BALANCE: usize = EE + 0x150;   // u64 (certified limits)
export const E_MAX_PER_CHECK: usize = EE + 0x158; // u64
export const E_MAX_OFF_CHECKS: usize = EE + 0x160;// u64
export const E_MAX_OFF_AMOUNT: usize = EE + 0x168;// u64
export const E_UNBLOCK_CTR: usize = EE + 0x170;   // u64: last bank unblock counter applied
export const E_ROOT_COUNT: usize = EE + 0x178;    // u8
export const E_ROOTS: usize = EE + 0x180;         // ROOTS_MAX × ROOT_SIZE: u8 id length, 64 id, 32 key
export const ROOT_SIZE: usize = 100;
export const ROOTS_MAX: u32 = 4;
export const E_CERT_LEN: usize = EE + 0x310;      // u16
export const E_CERT: usize = EE + 0x320;          // the purse certificate (with its bank's inside)
export const CERT_MAX: usize = 0x400;

// The value block: every field a value step changes, written as one journal entry.
export const E_VALUE: usize = EE + 0x720;
export const E_BALANCE: usize = EE + 0x720;       // u64
export const E_SERIAL: usize = EE + 0x728;        // u64: last serial signed (0: none)
export const E_LOADED_LO: usize = EE + 0x730;     // u128 lifetime total loaded (lo, hi)
export const E_LOADED_HI: usize = EE + 0x738;
export const E_SPENT_LO: usize = EE + 0x740;      // u128 lifetime total spent
export const E_SPENT_HI: usize = EE + 0x748;
export const E_LOAD_CTR: usize = EE + 0x750;      // u64: loads requested (value-token request counter)
export const E_OFF_CHECKS: usize = EE + 0x758;    // u64: checks since the last load (offline)
export const E_OFF_AMOUNT: usize = EE + 0x760;    // u64: amount since the last load
export const E_LOG_TOTAL: usize = EE + 0x768;     // u32: log records ever written
export const E_APPLIED_TOTAL: usize = EE + 0x76c; // u32: token ids ever applied
export const VALUE_SIZE: usize = 0x50;

export const E_OUTSTANDING: usize = EE + 0x770;   // OUTSTANDING_MAX × 48: used u8, pad 7, nonce 16, amount u64, counter u64, time u64
export const OUTSTANDING_SIZE: usize = 48;
export const OUTSTANDING_MAX: u32 = 8;
export const E_APPLIED: usize = EE + 0x8f0;       // APPLIED_MAX × 16: token ids, a ring
export const APPLIED_MAX: u32 = 16;
// u128 lifetime total refunded (lo, hi): outside the value block (full), journaled with it.
export const E_REFUNDED_LO: usize = EE + 0x9f0;
export const E_REFUNDED_HI: usize = EE + 0x9f8;
export const E_LOG: usize = EE + 0xa00;           // LOG_MAX × LOG_SIZE, a ring
export const LOG_SIZE: usize = 128;
export const LOG_MAX: u32 = 16;
export const E_JOURNAL: usize = EE + 0x1200;      // u8 flag (1 = committed, to redo), pad, u16 length
export const E_JOURNAL_DATA: usize = EE + 0x1204; // entries: u16 offset, u16 length, bytes
export const JOURNAL_MAX: usize = 0x1ef0 - 0x1204;
// Certificate signatures already verified: SHA-256(Sig_structure ‖ issuer key ‖ signature), a ring.
export const E_CACHE_NEXT: usize = EE + 0x1ef0; // u8
export const E_CACHE: usize = EE + 0x1f00;      // CACHE_MAX × 32
export const CACHE_MAX: u32 = 8;
export const DIGEST: usize = 0x6280;            // RAM: a digest being looked up

// Log record (LOG_SIZE bytes): 0 kind, 1 channel, 2 id length, 3 refunded (purchase: 1 once
// refunded), 4 serial u64, 12 amount u64, 20 time u64, 28 hash 32 (slip hash; token id for a
// load; the refunded check's hash for a refund), 60 id 64 (merchant; bank for a load), 124
// currency 3. A refund record copies its purchase's channel, serial, amount, merchant, currency.
export const LOG_PURCHASE: u8 = 1;
export const LOG_LOAD: u8 = 2;
export const LOG_REFUND: u8 = 3;

export const enum Lifecycle { Blank = 0, KeysGenerated = 1, CertificateInstalled = 2, Active = 3 }

// ---- session RAM variables
export const R_SELECTED: usize = 0x6f00; // u8
export const R_PIN_OK: usize = 0x6f01;   // u8
export const R_LAST_ERROR: usize = 0x6f02; // u16: protocol error code of the last refusal
