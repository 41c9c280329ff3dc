package ai.cocos.tee.tdx.internal;

/**
 * An SGX enclave report body: here the quoting enclave's report (QuoteFormat A.3.10).
 *
 * @param raw the 384 bytes, as signed by the PCK key
 * @param cpuSvn 16 bytes
 * @param miscSelect 4 bytes, as in the report (little-endian)
 * @param attributes 16 bytes
 * @param mrEnclave 32 bytes
 * @param mrSigner 32 bytes: hash of the enclave signer's key
 * @param isvProdId product id
 * @param isvSvn security version
 * @param reportData 64 bytes; for the QE, SHA-256(attestation key || QE auth data) then zeros
 */
record EnclaveReport(
    byte[] raw,
    byte[] cpuSvn,
    byte[] miscSelect,
    byte[] attributes,
    byte[] mrEnclave,
    byte[] mrSigner,
    int isvProdId,
    int isvSvn,
    byte[] reportData) {}
