package ai.cocos.tee.tdx.internal;

/**
 * A parsed TDX DCAP quote.
 *
 * @param header the header
 * @param body the TD report body
 * @param signedBytes the bytes the attestation key signed: header and body (with the v5 body
 *     descriptor)
 * @param signature the signature data
 * @param length the quote's length as declared by its structure
 * @param trailing bytes after the declared end (tolerated: quote buffers are often padded)
 */
record Quote(
    QuoteHeader header,
    TdReport body,
    byte[] signedBytes,
    QuoteSignature signature,
    int length,
    int trailing) {}
