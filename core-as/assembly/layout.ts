// The card's memory map: every RAM and EEPROM address the applet uses, and the offsets of the
// records kept there. Everything lives at fixed addresses: no heap is used at run time, so the
// linear memory below MEMORY_BASE is exactly RAM (lost at power off) and EEPROM (kept). The host
// persists [EE, EE + EE_SIZE) and nothing else. The records the host reads too (the value block of
// GET DATA C1, the log record of READ LOG) are laid out by the protocol registry
// (src/protocol/purse-apdu.ts, generated into wire.ts); their sizes are asserted by
// test/protocol/wire.test.ts and the card tests.
import { LOG_RECORD_SIZE, LogRecordField, VALUE_BLOCK_SIZE, ValueBlock } from './wire';

// ---- RAM (cleared at every power on): [RAM, EE)
export const RAM: usize = 0x1000;
export const IN_BUF: usize = 0x1000;      // command APDU, up to IN_MAX bytes
export const IN_MAX: usize = 0x2000;
// A chained command's data so far (ISO 7816-4 §5.3.3): each part, at IN_BUF, must end below CHAIN.
export const CHAIN: usize = 0x1200;
export const CHAIN_MAX: usize = IN_BUF + IN_MAX - CHAIN;
export const OUT_BUF: usize = 0x3000;     // response data (status word returned apart)
export const OUT_MAX: usize = 0x1000;
export const SCRATCH: usize = 0x4000;     // Sig_structure: 4 KiB
export const SCRATCH_MAX: usize = 0x1000;
export const PERSO: usize = 0x4800;       // INSTALL CERTIFICATE, once the signatures are checked: PERSO_SIZE, then u16 length, u8 state
export const TOKEN: usize = 0x5000;       // an opened value token: 4 KiB
export const TOKEN_MAX: usize = 0x1000;
export const BODY: usize = 0x6000;        // a message body being built: 512 B
export const SIG: usize = 0x6200;         // a signature: 64 B
export const NONCE: usize = 0x6240;       // fresh random: 32 B
export const R_NEW_TRIES: usize = 0x625f; // u8: RESET RETRY COUNTER's new tries (NONCE's last byte, unused then)
export const HASH: usize = 0x6260;        // a hash: 32 B
export const DIGEST: usize = 0x6280;      // a digest being looked up in the certificate cache: 32 B
export const R_PIN_STATE: usize = 0x6280; // u8 tries, u8 life cycle: SET PIN's new state (DIGEST, unused then)
export const JBUF: usize = 0x6300;        // the journal being built, copied to EEPROM in one write
export const JBUF_MAX: usize = 0xc00;
export const VB: usize = 0x6e00;          // the value block being changed: VALUE_SIZE
export const LOGREC: usize = 0x6e80;      // the log record being built: LOG_SIZE
export const R_SELECTED: usize = 0x6f00;  // u8
export const R_PIN_OK: usize = 0x6f01;    // u8
export const R_LAST_ERROR: usize = 0x6f02; // u16: protocol error code of this command's refusal
export const R_CHAINING: usize = 0x6f04;  // u8: 1 while a chained command is open
export const R_CHAIN_HEAD: usize = 0x6f05; // u8 × 4: its CLA (without the chaining bit), INS, P1, P2
export const R_CHAIN_LEN: usize = 0x6f0a;  // u16: bytes of its data received so far, at CHAIN
export const R_PENDING_OFF: usize = 0x6f0c; // u16: where in OUT_BUF the rest of the last response starts
export const R_PENDING_LEN: usize = 0x6f0e; // u16: its length, for GET RESPONSE (0: none)
export const R_LAST_REFUSAL: usize = 0x6f12; // u16: the code of the last refused command (GET DATA C4)
export const R_SLOT: usize = 0x6f40;      // a new outstanding load: OUTSTANDING_SIZE
export const R_ZEROS: usize = 0x6f80;     // OUTSTANDING_SIZE zero bytes: an outstanding load cleared
export const R_REFUNDED: usize = 0x6fb0;  // u128: the new lifetime refunded total (REFUND)
export const R_FLAG: usize = 0x6fc0;      // u8 1: the purchase record's "refunded" mark (REFUND)
export const R_MAGIC: usize = 0x6fe0;     // u32 EE_MAGIC, written to a blank EEPROM at power on
export const R_ONE: usize = 0x6ff0;       // u8 1: the journal's commit flag
export const R_ZERO: usize = 0x6ff1;      // u8 0: the journal's flag cleared
export const R_BYTE: usize = 0x6ff9;      // u8: a single byte being written to EEPROM
export const R_JOURNAL_LEN: usize = 0x6ffb; // u16: the journal length being written
export const CERT_LEAF: usize = 0x7000;   // parsed certificates (see cose.ts Signed)
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
// The keys GENERATE KEYS writes, KEYS_SIZE bytes in this order:
export const E_SIGN_SEED: usize = EE + 0x028;  // 32: Ed25519 seed (the purse signing key)
export const E_SIGN_PK: usize = EE + 0x048;    // 32
export const E_KX_SK: usize = EE + 0x068;      // 32: X25519 secret key
export const E_KX_PK: usize = EE + 0x088;      // 32
export const KEYS_SIZE: usize = 0x80;
// What INSTALL CERTIFICATE takes from the certificate, PERSO_SIZE bytes in this order:
export const E_BANK_PK: usize = EE + 0x0a8;    // 32: the issuing bank's Ed25519 key (from the certificate)
export const E_PURSE_ID: usize = EE + 0x0c8;   // u8 length + 64
export const E_BANK_ID: usize = EE + 0x109;    // u8 length + 64
export const E_CURRENCY: usize = EE + 0x14a;   // 3
export const E_MAX_BALANCE: usize = EE + 0x150;   // u64 (certified limits)
export const E_MAX_PER_CHECK: usize = EE + 0x158; // u64
export const E_MAX_OFF_CHECKS: usize = EE + 0x160;// u64
export const E_MAX_OFF_AMOUNT: usize = EE + 0x168;// u64
export const PERSO_SIZE: usize = 0xc8;
export const E_UNBLOCK_CTR: usize = EE + 0x170;   // u64: last bank unblock counter applied
export const E_ROOT_COUNT: usize = EE + 0x178;    // u8
export const E_ROOTS: usize = EE + 0x180;         // ROOTS_MAX × ROOT_SIZE
export const ROOT_SIZE: usize = 100;
export const ROOTS_MAX: u32 = 4;
export const E_CERT_LEN: usize = EE + 0x310;      // u16
export const E_CERT: usize = EE + 0x320;          // the purse certificate (with its bank's inside)
export const CERT_MAX: usize = 0x400;

// The value block (ValueBlock): every field a value step changes, written as one journal entry.
export const E_VALUE: usize = EE + 0x720;
export const VALUE_SIZE: usize = VALUE_BLOCK_SIZE;
export const E_BALANCE: usize = E_VALUE + ValueBlock.balance;             // u64
export const E_SERIAL: usize = E_VALUE + ValueBlock.serial;               // u64: last serial signed (0: none)
export const E_LOADED_LO: usize = E_VALUE + ValueBlock.loadedTotal;       // u128 lifetime total loaded (lo, hi)
export const E_LOADED_HI: usize = E_LOADED_LO + 8;
export const E_SPENT_LO: usize = E_VALUE + ValueBlock.spentTotal;         // u128 lifetime total spent
export const E_SPENT_HI: usize = E_SPENT_LO + 8;
export const E_LOAD_CTR: usize = E_VALUE + ValueBlock.loadCounter;        // u64: loads requested (value-token request counter)
export const E_OFF_CHECKS: usize = E_VALUE + ValueBlock.offlineChecks;    // u64: checks since the last load (offline)
export const E_OFF_AMOUNT: usize = E_VALUE + ValueBlock.offlineAmount;    // u64: amount since the last load
export const E_LOG_TOTAL: usize = E_VALUE + ValueBlock.logTotal;          // u32: log records ever written
export const E_APPLIED_TOTAL: usize = E_VALUE + ValueBlock.appliedTotal;  // u32: token ids ever applied

export const E_OUTSTANDING: usize = EE + 0x770;   // OUTSTANDING_MAX × OUTSTANDING_SIZE (Outstanding)
export const OUTSTANDING_SIZE: usize = 48;
export const OUTSTANDING_MAX: u32 = 8;
export const E_APPLIED: usize = EE + 0x8f0;       // APPLIED_MAX × 16: token ids, a ring
export const APPLIED_MAX: u32 = 16;
// u128 lifetime total refunded (lo, hi): outside the value block (full), journaled with it.
export const E_REFUNDED_LO: usize = EE + 0x9f0;
export const E_REFUNDED_HI: usize = EE + 0x9f8;
export const E_LOG: usize = EE + 0xa00;           // LOG_MAX × LOG_SIZE, a ring
export const LOG_SIZE: usize = LOG_RECORD_SIZE;
export const LOG_MAX: u32 = 16;
export const E_JOURNAL: usize = EE + 0x1200;      // u8 flag (1 = committed, to redo), pad
export const E_JOURNAL_LEN: usize = EE + 0x1202;  // u16 length of the entries
export const E_JOURNAL_DATA: usize = EE + 0x1204; // entries (JournalEntry)
export const JOURNAL_MAX: usize = 0x1ef0 - 0x1204;
// Certificate signatures already verified: SHA-256(Sig_structure ‖ issuer key ‖ signature), a ring.
export const E_CACHE_NEXT: usize = EE + 0x1ef0; // u8
export const E_CACHE: usize = EE + 0x1f00;      // CACHE_MAX × 32
export const CACHE_MAX: u32 = 8;

// ---- records

/** A trusted root at E_ROOTS (ROOT_SIZE bytes). */
export namespace Root {
  export const idLength: usize = 0; // u8
  export const id: usize = 1;       // 64
  export const key: usize = 65;     // 32: Ed25519
}

/** An outstanding load at E_OUTSTANDING (OUTSTANDING_SIZE bytes). */
export namespace Outstanding {
  export const used: usize = 0;     // u8: 1 in use, then pad 7
  export const nonce: usize = 8;    // 16
  export const amount: usize = 24;  // u64
  export const counter: usize = 32; // u64: the value-token request counter
  export const time: usize = 40;    // u64
}

/** A journal entry at E_JOURNAL_DATA: where its bytes go and how many. */
export namespace JournalEntry {
  export const offset: usize = 0; // u16: EEPROM address − EE
  export const length: usize = 2; // u16
  export const data: usize = 4;   // length bytes
}

/** A log record at E_LOG (LOG_SIZE bytes): the registry's LogRecordField, as READ LOG returns it. */
export { LogRecordField as Log };
