package ai.cocos.api.tee;

/**
 * What a relying party asks evidence to be bound to.
 *
 * @param reportData up to 64 bytes placed in the report's report-data field (SEV-SNP, TDX)
 * @param nonce up to 32 bytes used as the TPM quote's qualifying data (vTPM); may be empty
 */
public record EvidenceRequest(byte[] reportData, byte[] nonce) {
  /** Maximum report-data length (SEV-SNP and TDX report-data fields). */
  public static final int MAX_REPORT_DATA = 64;

  /** Maximum TPM qualifying-data length accepted. */
  public static final int MAX_NONCE = 32;

  /** Validates sizes and copies the arrays. */
  public EvidenceRequest {
    if (reportData == null || reportData.length > MAX_REPORT_DATA) {
      throw new IllegalArgumentException("report data must be at most 64 bytes");
    }
    if (nonce == null || nonce.length > MAX_NONCE) {
      throw new IllegalArgumentException("nonce must be at most 32 bytes");
    }
    reportData = reportData.clone();
    nonce = nonce.clone();
  }

  /**
   * The report data.
   *
   * @return a copy of the report data
   */
  @Override
  public byte[] reportData() {
    return reportData.clone();
  }

  /**
   * The nonce.
   *
   * @return a copy of the nonce
   */
  @Override
  public byte[] nonce() {
    return nonce.clone();
  }
}
