package ai.cocos.api.tee;

import java.util.Map;
import java.util.Objects;

/**
 * What a relying party accepts, for one platform.
 *
 * <p>The rules are the parsed JSON policy document (objects as maps, arrays as lists, scalars as
 * strings, numbers and booleans); the attestation bundle documents its schema. A rule a provider
 * does not understand fails the verdict, and an empty rule set rejects.
 *
 * @param platform the platform id the policy is written for
 * @param rules the policy's rules
 */
public record Policy(String platform, Map<String, Object> rules) {
  /** Validates and copies. */
  public Policy {
    Objects.requireNonNull(platform, "platform");
    rules = Map.copyOf(Objects.requireNonNull(rules, "rules"));
  }
}
