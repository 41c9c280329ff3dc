package ai.cocos.crypto;

import java.io.IOException;

/**
 * More bytes arrived than allowed: an upload, a stream or an extraction went over its limit. The
 * message names what and the limit; {@link #limit()} gives the limit.
 */
public class SizeLimitExceededException extends IOException {
  private static final long serialVersionUID = 1L;

  private final long limit;

  /**
   * Creates the error.
   *
   * @param what what went over the limit, e.g. {@code "dataset 'b.csv'"}
   * @param limit the limit in bytes
   */
  public SizeLimitExceededException(String what, long limit) {
    super(what + " is larger than the limit of " + limit + " bytes");
    this.limit = limit;
  }

  /**
   * The limit that was exceeded.
   *
   * @return the limit in bytes
   */
  public long limit() {
    return limit;
  }
}
