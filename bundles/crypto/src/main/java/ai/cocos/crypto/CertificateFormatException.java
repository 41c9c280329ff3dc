package ai.cocos.crypto;

import ai.cocos.api.CocosException;

/** A certificate could not be read: not PEM, no certificate in it, or a malformed one. */
public final class CertificateFormatException extends CocosException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the error.
   *
   * @param message what is wrong with the certificate text
   */
  public CertificateFormatException(String message) {
    super(message);
  }

  /**
   * Creates the error with its cause.
   *
   * @param message what is wrong with the certificate text
   * @param cause the underlying failure
   */
  public CertificateFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
