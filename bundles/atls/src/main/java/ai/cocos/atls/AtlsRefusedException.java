package ai.cocos.atls;

import java.security.cert.CertificateException;
import java.util.List;

/**
 * The agent's attested-TLS certificate did not verify: the handshake is aborted before any
 * application byte is sent. {@link #reasons()} lists every failed rule, each a sentence naming the
 * cause (another key, another nonce, another manifest, a measurement the policy does not allow,
 * emulated evidence the policy does not allow, expired collateral...).
 */
public final class AtlsRefusedException extends CertificateException {
  private static final long serialVersionUID = 1L;

  /** The prefix of every message. */
  public static final String PREFIX = "attested TLS refused: ";

  private final List<String> reasons;

  /**
   * Creates the exception.
   *
   * @param reasons every failed rule, at least one
   */
  public AtlsRefusedException(List<String> reasons) {
    super(PREFIX + String.join("; ", reasons));
    if (reasons.isEmpty()) {
      throw new IllegalArgumentException("a refusal needs a reason");
    }
    this.reasons = List.copyOf(reasons);
  }

  /**
   * Every failed rule.
   *
   * @return the reasons, in the order checked
   */
  public List<String> reasons() {
    return reasons;
  }
}
