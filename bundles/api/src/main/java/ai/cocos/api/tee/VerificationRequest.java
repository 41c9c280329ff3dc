package ai.cocos.api.tee;

import java.time.Instant;
import java.util.Objects;

/**
 * One verification: evidence, the policy to hold it to, and the time at which certificates and
 * collateral must be valid.
 *
 * @param evidence what to verify
 * @param policy what to accept
 * @param at the verification time (injectable, so recorded evidence can be checked as of a date)
 * @param offline whether the provider must not fetch collateral over the network
 */
public record VerificationRequest(Evidence evidence, Policy policy, Instant at, boolean offline) {
  /** Validates. */
  public VerificationRequest {
    Objects.requireNonNull(evidence, "evidence");
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(at, "at");
  }
}
