package ai.cocos.tee.tdx.internal;

/**
 * The quote header (QuoteFormat A.3.1).
 *
 * @param version 4 or 5
 * @param attestationKeyType 2 (ECDSA P-256)
 * @param teeType 0x81 for TDX
 * @param qeSvn reserved in v4/v5 (QE SVN in older quotes)
 * @param pceSvn reserved in v4/v5 (PCE SVN in older quotes)
 * @param qeVendorId 16 bytes naming the quoting enclave's vendor
 * @param userData 20 bytes the QE chose (not signed by the TD)
 */
record QuoteHeader(
    int version,
    int attestationKeyType,
    long teeType,
    int qeSvn,
    int pceSvn,
    byte[] qeVendorId,
    byte[] userData) {}
