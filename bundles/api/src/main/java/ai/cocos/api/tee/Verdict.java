package ai.cocos.api.tee;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The outcome of a verification.
 *
 * @param platform the platform the evidence claimed
 * @param emulated whether the evidence came from an emulated platform (not a real TEE)
 * @param findings every rule checked, passed or failed
 * @param claims what the evidence measured (launch digest, TCB, ...), as text for people and
 *     policies
 */
public record Verdict(
    String platform, boolean emulated, List<Finding> findings, Map<String, String> claims) {

  /** Validates and copies. */
  public Verdict {
    Objects.requireNonNull(platform, "platform");
    findings = List.copyOf(Objects.requireNonNull(findings, "findings"));
    claims = Map.copyOf(Objects.requireNonNull(claims, "claims"));
  }

  /**
   * Whether the evidence passed. Fails closed: a verdict with no findings has proven nothing and
   * does not pass.
   *
   * @return {@code true} only if there is at least one finding and every finding passed
   */
  public boolean passed() {
    return !findings.isEmpty() && findings.stream().allMatch(Finding::passed);
  }

  /**
   * The failed findings.
   *
   * @return every finding that did not pass, in order
   */
  public List<Finding> failures() {
    return findings.stream().filter(f -> !f.passed()).toList();
  }

  /**
   * One rule checked.
   *
   * @param rule the rule's name, as in the policy or the specification (e.g. {@code
   *     report.signature}, {@code measurement})
   * @param passed whether it held
   * @param expected what the policy or specification required
   * @param found what the evidence showed
   * @param message a sentence for people, naming the problem when it failed
   */
  public record Finding(
      String rule, boolean passed, String expected, String found, String message) {
    /** Validates. */
    public Finding {
      Objects.requireNonNull(rule, "rule");
      Objects.requireNonNull(expected, "expected");
      Objects.requireNonNull(found, "found");
      Objects.requireNonNull(message, "message");
    }
  }
}
