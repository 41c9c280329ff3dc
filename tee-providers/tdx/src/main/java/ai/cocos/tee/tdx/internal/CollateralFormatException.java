package ai.cocos.tee.tdx.internal;

/** Intel collateral (TCB info, QE identity) is malformed; the message names the field. */
final class CollateralFormatException extends Exception {
  private static final long serialVersionUID = 1L;

  CollateralFormatException(String message) {
    super(message);
  }

  CollateralFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
