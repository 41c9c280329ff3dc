package ai.cocos.api.computation;

import java.util.Objects;

/**
 * A party allowed to download the results.
 *
 * @param userKey the consumer's public key; result requests must be signed with its private key
 */
public record ResultConsumer(PublicKeyPem userKey) {
  /** Checks the value. */
  public ResultConsumer {
    Objects.requireNonNull(userKey, "userKey");
  }
}
