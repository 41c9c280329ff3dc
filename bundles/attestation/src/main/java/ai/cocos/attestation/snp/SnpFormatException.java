package ai.cocos.attestation.snp;

import ai.cocos.api.CocosException;

/** SEV-SNP bytes (a report, a certificate table, a VCEK extension) are malformed. */
public final class SnpFormatException extends CocosException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the error.
   *
   * @param message what is malformed, naming the field or offset
   */
  public SnpFormatException(String message) {
    super(message);
  }
}
