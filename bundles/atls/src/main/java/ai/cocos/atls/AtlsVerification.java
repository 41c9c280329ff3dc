package ai.cocos.atls;

import ai.cocos.api.tee.Verdict;
import java.util.Objects;

/**
 * A connection whose attested-TLS evidence verified.
 *
 * @param serverName the server name (nonce) the connection sent
 * @param claims what the agent's certificate carried
 * @param verdict the TEE provider's verdict, every finding passed
 */
public record AtlsVerification(String serverName, AtlsClaims claims, Verdict verdict) {
  /** Validates. */
  public AtlsVerification {
    Objects.requireNonNull(serverName, "serverName");
    Objects.requireNonNull(claims, "claims");
    Objects.requireNonNull(verdict, "verdict");
  }

  /**
   * Whether the evidence came from the emulated provider: not a real TEE.
   *
   * @return the verdict's flag
   */
  public boolean emulated() {
    return verdict.emulated();
  }
}
