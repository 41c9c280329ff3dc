package ai.cocos.attestation;

import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.Verdict.Finding;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

/**
 * Collects the findings and claims of one verification and builds the {@link Verdict}, so that
 * every provider reports rules the same way: each rule checked is one finding with its expected and
 * found values; a failed finding's message names the problem.
 *
 * <p>Typical use in a provider's {@code verify}:
 *
 * <pre>{@code
 * Evaluation ev = Evaluation.start("snp", request.policy(), Set.of("snp"));
 * ... cryptographic checks: ev.check("report.signature", ok, "...", "...", "...") ...
 * ev.emulation(false, request.policy());
 * if (ev.policyUsable()) {
 *   PolicyRules snp = PolicyRules.of(request.policy()).section("snp").orElseThrow();
 *   ev.unknownRules(snp, KNOWN);
 *   ev.allowList(snp.path("measurements"), snp.hexList("measurements"), report.measurement(),
 *       "launch measurement");
 *   ...
 * }
 * return ev.verdict();
 * }</pre>
 *
 * <p>Not thread-safe: one instance per verification.
 */
public final class Evaluation {
  /** How many allowed values a finding's "expected" text lists before summarising. */
  public static final int MAX_LISTED = 8;

  /** Rule name of the finding that says whether the policy applies and is valid. */
  public static final String POLICY_RULE = "policy";

  /** Rule name of the finding about emulated evidence. */
  public static final String EMULATION_RULE = "emulation";

  /** Text every finding about emulated evidence contains. */
  public static final String EMULATED_TEXT = "emulated, not a real TEE";

  private static final HexFormat HEX = HexFormat.of();

  private final String platform;
  private final List<Finding> findings = new ArrayList<>();
  private final Map<String, String> claims = new LinkedHashMap<>();
  private boolean emulated;
  private boolean policyUsable = true;

  /**
   * Starts an empty evaluation.
   *
   * @param platform the platform the verdict reports (the evidence's platform)
   */
  public Evaluation(String platform) {
    this.platform = Objects.requireNonNull(platform, "platform");
  }

  /**
   * Starts an evaluation and checks the policy: that it is for one of the platforms this provider
   * evaluates and that it satisfies the standard schema. A failure adds a failed {@value
   * #POLICY_RULE} finding per problem and makes {@link #policyUsable()} false (the provider then
   * skips the policy's rules but still reports its cryptographic findings).
   *
   * @param platform the platform the verdict reports
   * @param policy the policy
   * @param policyPlatforms the policy platforms this provider evaluates
   * @return the evaluation
   */
  public static Evaluation start(
      String platform, Policy policy, Collection<String> policyPlatforms) {
    return start(platform, policy, policyPlatforms, PolicyDocument.standard());
  }

  /**
   * As {@link #start(String, Policy, Collection)}, with an extended schema.
   *
   * @param platform the platform the verdict reports
   * @param policy the policy
   * @param policyPlatforms the policy platforms this provider evaluates
   * @param document the policy document (schema) to validate with
   * @return the evaluation
   */
  public static Evaluation start(
      String platform, Policy policy, Collection<String> policyPlatforms, PolicyDocument document) {
    Evaluation ev = new Evaluation(platform);
    Set<String> accepted = new TreeSet<>(policyPlatforms);
    if (!policyPlatforms.contains(policy.platform())) {
      ev.fail(
          POLICY_RULE,
          "a policy for " + String.join(" or ", accepted),
          "a policy for " + policy.platform(),
          "the policy is written for platform "
              + policy.platform()
              + ", not for "
              + String.join(" or ", accepted)
              + ": use a policy for this evidence's platform");
      ev.policyUsable = false;
      return ev;
    }
    if (policy.rules().isEmpty()) {
      ev.fail(
          POLICY_RULE,
          "a policy with rules",
          "an empty policy",
          "the policy is empty: an empty policy accepts nothing");
      ev.policyUsable = false;
      return ev;
    }
    List<PolicyProblem> problems = document.validate(policy);
    for (PolicyProblem p : problems) {
      ev.fail(
          p.path().isEmpty() ? POLICY_RULE : POLICY_RULE + "." + p.path(),
          "a valid policy",
          "invalid",
          "the policy is invalid: " + p.text());
    }
    if (!problems.isEmpty()) {
      ev.policyUsable = false;
    } else {
      ev.pass(
          POLICY_RULE,
          "a valid policy for " + String.join(" or ", accepted),
          "a valid " + policy.platform() + " policy",
          "the policy applies to this evidence");
    }
    return ev;
  }

  /**
   * The verdict's platform.
   *
   * @return the platform id
   */
  public String platform() {
    return platform;
  }

  /**
   * Whether the policy was found applicable and valid by {@link #start}.
   *
   * @return {@code false} if its rules must not be evaluated
   */
  public boolean policyUsable() {
    return policyUsable;
  }

  /**
   * Whether any finding failed so far.
   *
   * @return {@code true} after the first failed finding
   */
  public boolean failed() {
    return findings.stream().anyMatch(f -> !f.passed());
  }

  /**
   * The findings so far.
   *
   * @return an unmodifiable copy
   */
  public List<Finding> findings() {
    return List.copyOf(findings);
  }

  /**
   * Adds a passed finding.
   *
   * @param rule the rule name (a policy path such as {@code snp.measurements}, or a check such as
   *     {@code report.signature})
   * @param expected what was required
   * @param found what the evidence showed
   * @param message a sentence for people
   * @return this evaluation
   */
  public Evaluation pass(String rule, String expected, String found, String message) {
    findings.add(new Finding(rule, true, expected, found, message));
    return this;
  }

  /**
   * Adds a failed finding.
   *
   * @param rule the rule name
   * @param expected what was required
   * @param found what the evidence showed
   * @param message a sentence naming the problem
   * @return this evaluation
   */
  public Evaluation fail(String rule, String expected, String found, String message) {
    findings.add(new Finding(rule, false, expected, found, message));
    return this;
  }

  /**
   * Adds a finding that passed or failed.
   *
   * @param rule the rule name
   * @param ok whether the rule held
   * @param expected what was required
   * @param found what the evidence showed
   * @param message the sentence for people (the same text serves both outcomes, e.g. "VCEK TCB
   *     matches REPORTED_TCB" is qualified by the pass or fail mark)
   * @return {@code ok}
   */
  public boolean check(String rule, boolean ok, String expected, String found, String message) {
    findings.add(new Finding(rule, ok, expected, found, message));
    return ok;
  }

  /**
   * Checks a value against an allow-list of hex values. No finding if the policy does not pin the
   * rule.
   *
   * @param rule the rule (the policy path)
   * @param allowed the allowed values in lower-case hex, or empty if not pinned
   * @param found the evidence's value
   * @param what what the value is, for the message (e.g. {@code launch measurement})
   * @return {@code true} if not pinned or allowed
   */
  public boolean allowList(String rule, Optional<List<String>> allowed, byte[] found, String what) {
    if (allowed.isEmpty()) {
      return true;
    }
    return hexMember(rule, allowed.get(), found, what);
  }

  /**
   * Checks a mandatory allow-list (the measurement): absent fails with "pins no measurement".
   *
   * @param rule the rule (the policy path)
   * @param allowed the allowed values in lower-case hex, or empty if not pinned
   * @param found the evidence's value
   * @param what what the value is
   * @return {@code true} if allowed
   */
  public boolean requiredAllowList(
      String rule, Optional<List<String>> allowed, byte[] found, String what) {
    if (allowed.isEmpty()) {
      missingMeasurement(rule, what, HEX.formatHex(found));
      return false;
    }
    return hexMember(rule, allowed.get(), found, what);
  }

  /**
   * Adds the failed finding for a policy that pins no measurement.
   *
   * @param rule the rule that should have been given
   * @param what what the measurement is
   * @param found the evidence's measurement (so that the user can pin it if they trust it)
   */
  public void missingMeasurement(String rule, String what, String found) {
    fail(
        rule,
        "a pinned " + what,
        found,
        "the policy pins no " + what + ": a policy must name the measurements it accepts");
  }

  private boolean hexMember(String rule, List<String> allowed, byte[] found, String what) {
    String f = HEX.formatHex(found);
    boolean ok = allowed.stream().anyMatch(a -> a.equalsIgnoreCase(f));
    return check(
        rule,
        ok,
        listed(allowed),
        f,
        ok
            ? what + " is allowed"
            : what + " " + shortHex(f) + " is not in the policy's allow-list");
  }

  /**
   * Checks that a value equals the policy's hex value; absent means not pinned.
   *
   * @param rule the rule
   * @param expected the policy's value, or empty
   * @param found the evidence's value
   * @param what what the value is
   * @return {@code true} if not pinned or equal
   */
  public boolean equalHex(String rule, Optional<byte[]> expected, byte[] found, String what) {
    if (expected.isEmpty()) {
      return true;
    }
    boolean ok = java.security.MessageDigest.isEqual(expected.get(), found);
    return check(
        rule,
        ok,
        HEX.formatHex(expected.get()),
        HEX.formatHex(found),
        ok ? what + " matches" : what + " differs from the policy's value");
  }

  /**
   * Checks the top-level {@code report_data} rule: the evidence's report data must equal the
   * policy's value zero-padded to the field's length.
   *
   * @param rules the top-level rules
   * @param found the evidence's report data (64 bytes for SNP and TDX)
   * @return {@code true} if not pinned or equal
   */
  public boolean reportData(PolicyRules rules, byte[] found) {
    Optional<byte[]> want = rules.hex(PolicySchema.REPORT_DATA);
    if (want.isEmpty()) {
      return true;
    }
    byte[] padded = Arrays.copyOf(want.get(), Math.max(found.length, want.get().length));
    return equalHex(PolicySchema.REPORT_DATA, Optional.of(padded), found, "report data");
  }

  /**
   * Checks a minimum; absent means not pinned.
   *
   * @param rule the rule
   * @param minimum the policy's minimum, or empty
   * @param found the evidence's value
   * @param what what the value is
   * @return {@code true} if not pinned or at least the minimum
   */
  public boolean minimum(String rule, OptionalLong minimum, long found, String what) {
    if (minimum.isEmpty()) {
      return true;
    }
    boolean ok = Long.compareUnsigned(found, minimum.getAsLong()) >= 0;
    return check(
        rule,
        ok,
        ">= " + Long.toUnsignedString(minimum.getAsLong()),
        Long.toUnsignedString(found),
        ok
            ? what + " is at least the minimum"
            : what
                + " "
                + Long.toUnsignedString(found)
                + " is below the policy's minimum "
                + Long.toUnsignedString(minimum.getAsLong()));
  }

  /**
   * Checks a feature the policy may forbid (debug, migration agent): passes if the feature is off
   * or allowed. Always adds a finding.
   *
   * @param rule the rule
   * @param allowed whether the policy allows the feature (after defaults)
   * @param present whether the evidence shows the feature on
   * @param what the feature, e.g. {@code debugging}
   * @return {@code true} if it passes
   */
  public boolean feature(String rule, boolean allowed, boolean present, String what) {
    boolean ok = allowed || !present;
    return check(
        rule,
        ok,
        allowed ? what + " allowed" : what + " off",
        present ? what + " on" : what + " off",
        ok
            ? what + (present ? " is on and allowed" : " is off")
            : what + " is on but the policy forbids it");
  }

  /**
   * Checks that a value is one of a list; absent means not pinned.
   *
   * @param rule the rule
   * @param allowed the allowed values, or empty
   * @param found the evidence's value
   * @param what what the value is
   * @return {@code true} if not pinned or allowed
   */
  public boolean oneOf(
      String rule, Optional<? extends List<?>> allowed, Object found, String what) {
    if (allowed.isEmpty()) {
      return true;
    }
    boolean ok =
        allowed.get().stream()
            .anyMatch(a -> String.valueOf(a).equalsIgnoreCase(String.valueOf(found)));
    return check(
        rule,
        ok,
        listed(allowed.get()),
        String.valueOf(found),
        ok ? what + " is allowed" : what + " " + found + " is not allowed by the policy");
  }

  /**
   * Fails for every member of a section the provider does not evaluate: a rule the verifier does
   * not understand must never be silently ignored.
   *
   * @param rules the section (or the top level)
   * @param understood the member names the provider evaluates
   * @return {@code true} if every member is understood
   */
  public boolean unknownRules(PolicyRules rules, Set<String> understood) {
    boolean ok = true;
    for (String k : rules.keys()) {
      if (!understood.contains(k)) {
        ok = false;
        fail(
            rules.path(k),
            "a rule this verifier evaluates",
            "unknown rule",
            "the policy rule "
                + rules.path(k)
                + " is not evaluated by this verifier: remove it"
                + " or use a verifier that supports it");
      }
    }
    return ok;
  }

  /**
   * Applies the emulation rule. For emulated evidence the verdict is marked emulated and a finding
   * containing {@value #EMULATED_TEXT} is added: it passes only if the policy is for platform
   * {@code emulated} or sets {@code allow_emulated}. For real evidence nothing is added.
   *
   * @param evidenceEmulated whether the evidence comes from an emulated platform
   * @param policy the policy
   * @return {@code true} if real, or emulated and allowed
   */
  public boolean emulation(boolean evidenceEmulated, Policy policy) {
    if (!evidenceEmulated) {
      return true;
    }
    emulated = true;
    boolean allowed =
        "emulated".equals(policy.platform())
            || Boolean.TRUE.equals(policy.rules().get(PolicySchema.ALLOW_EMULATED));
    return check(
        EMULATION_RULE,
        allowed,
        allowed ? "emulated evidence allowed" : "evidence from a real TEE",
        "emulated evidence",
        allowed
            ? "the evidence is " + EMULATED_TEXT + "; accepted because the policy allows emulation"
            : "the evidence is "
                + EMULATED_TEXT
                + ": the policy does not allow emulated evidence (it needs \"platform\":"
                + " \"emulated\" or \"allow_emulated\": true)");
  }

  /**
   * Records a claim: what the evidence measured, as text for people and policies.
   *
   * @param name the claim name, e.g. {@code measurement}
   * @param value its value
   * @return this evaluation
   */
  public Evaluation claim(String name, String value) {
    claims.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
    return this;
  }

  /**
   * Marks the verdict emulated (without a finding; {@link #emulation} adds one).
   *
   * @return this evaluation
   */
  public Evaluation markEmulated() {
    emulated = true;
    return this;
  }

  /**
   * Builds the verdict. With no findings it fails (see {@link Verdict#passed()}).
   *
   * @return the verdict
   */
  public Verdict verdict() {
    return new Verdict(platform, emulated, findings, claims);
  }

  /**
   * Lists values for a finding's "expected" text.
   *
   * @param values the values
   * @return {@code one of [a, b]}, summarised after {@value #MAX_LISTED} values
   */
  public static String listed(List<?> values) {
    if (values.size() == 1) {
      return String.valueOf(values.get(0));
    }
    StringBuilder b = new StringBuilder("one of [");
    for (int i = 0; i < values.size() && i < MAX_LISTED; i++) {
      b.append(i == 0 ? "" : ", ").append(values.get(i));
    }
    if (values.size() > MAX_LISTED) {
      b.append(", ... ").append(values.size() - MAX_LISTED).append(" more");
    }
    return b.append(']').toString();
  }

  /**
   * Shortens long hex for messages (the full value is in the finding's found field).
   *
   * @param hex hex text
   * @return the first and last 8 digits for long values, else the value
   */
  public static String shortHex(String hex) {
    return hex.length() <= 24 ? hex : hex.substring(0, 8) + "…" + hex.substring(hex.length() - 8);
  }
}
