package ai.cocos.tee.tdx.internal;

/**
 * The quote's signature data (QuoteFormat A.3.8 with the type-6 certification data of A.3.11).
 *
 * @param signature ECDSA P-256 signature over header and body, r || s (64 bytes)
 * @param attestationKey the attestation public key, x || y (64 bytes)
 * @param qeReport the quoting enclave's report, which binds the attestation key
 * @param qeReportSignature the PCK key's ECDSA P-256 signature over the QE report, r || s
 * @param qeAuthData the QE authentication data hashed into the QE report
 * @param certificationType type of the innermost certification data (5: PCK chain in PEM)
 * @param certificationData its bytes
 */
record QuoteSignature(
    byte[] signature,
    byte[] attestationKey,
    EnclaveReport qeReport,
    byte[] qeReportSignature,
    byte[] qeAuthData,
    int certificationType,
    byte[] certificationData) {}
