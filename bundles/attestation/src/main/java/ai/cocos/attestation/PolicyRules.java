package ai.cocos.attestation;

import ai.cocos.api.tee.Policy;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Typed read access to a policy's rules (or one section of them), for providers. Use it on a policy
 * that {@link PolicyDocument#validate} found valid (which {@link Evaluation#start} does): on a
 * value of the wrong type the getters throw {@link IllegalStateException}, which a valid policy
 * never causes.
 *
 * <p>"Absent" ({@link Optional#empty()}) means the policy does not pin that rule. An allow-list
 * that is present is never empty in a valid policy.
 */
public final class PolicyRules {
  private static final HexFormat HEX = HexFormat.of();

  private final String path;
  private final Map<String, Object> rules;

  private PolicyRules(String path, Map<String, Object> rules) {
    this.path = path;
    this.rules = rules;
  }

  /**
   * The top-level rules of a policy.
   *
   * @param policy the policy
   * @return a view of its rules
   */
  public static PolicyRules of(Policy policy) {
    return new PolicyRules("", policy.rules());
  }

  /**
   * A section of the rules, e.g. {@code snp}.
   *
   * @param name the section name
   * @return the section, or empty if the policy has none
   */
  @SuppressWarnings("unchecked")
  public Optional<PolicyRules> section(String name) {
    Object v = rules.get(name);
    if (v == null) {
      return Optional.empty();
    }
    if (!(v instanceof Map<?, ?>)) {
      throw wrong(name, "an object", v);
    }
    return Optional.of(new PolicyRules(path(name), (Map<String, Object>) v));
  }

  /**
   * The JSON path of a member of this view.
   *
   * @param key the member name
   * @return e.g. {@code snp.measurements}
   */
  public String path(String key) {
    return Json.member(path, key);
  }

  /**
   * The member names present.
   *
   * @return the names
   */
  public Set<String> keys() {
    return rules.keySet();
  }

  /**
   * Whether a member is present.
   *
   * @param key the member name
   * @return {@code true} if present
   */
  public boolean has(String key) {
    return rules.containsKey(key);
  }

  /**
   * A member's raw value.
   *
   * @param key the member name
   * @return the value, or {@code null} if absent
   */
  public Object raw(String key) {
    return rules.get(key);
  }

  /**
   * A hex allow-list, lower case.
   *
   * @param key the member name
   * @return the hex strings, or empty if not pinned
   */
  public Optional<List<String>> hexList(String key) {
    return strings(key);
  }

  /**
   * A hex value as bytes.
   *
   * @param key the member name
   * @return the bytes, or empty if absent
   */
  public Optional<byte[]> hex(String key) {
    Object v = rules.get(key);
    if (v == null) {
      return Optional.empty();
    }
    if (!(v instanceof String s)) {
      throw wrong(key, "a hex string", v);
    }
    try {
      return Optional.of(HEX.parseHex(s));
    } catch (IllegalArgumentException e) {
      throw wrong(key, "a hex string", v);
    }
  }

  /**
   * A boolean with a default.
   *
   * @param key the member name
   * @param absent the value when the policy does not give one
   * @return the value
   */
  public boolean bool(String key, boolean absent) {
    Object v = rules.get(key);
    if (v == null) {
      return absent;
    }
    if (!(v instanceof Boolean b)) {
      throw wrong(key, "true or false", v);
    }
    return b;
  }

  /**
   * An integer.
   *
   * @param key the member name
   * @return the value, or empty if absent
   */
  public OptionalLong number(String key) {
    Object v = rules.get(key);
    if (v == null) {
      return OptionalLong.empty();
    }
    if (!(v instanceof Long || v instanceof Integer)) {
      throw wrong(key, "an integer", v);
    }
    return OptionalLong.of(((Number) v).longValue());
  }

  /**
   * A list of integers.
   *
   * @param key the member name
   * @return the values, or empty if absent
   */
  public Optional<List<Long>> numbers(String key) {
    Object v = rules.get(key);
    if (v == null) {
      return Optional.empty();
    }
    if (!(v instanceof List<?> l)) {
      throw wrong(key, "an array of integers", v);
    }
    List<Long> out = new ArrayList<>();
    for (Object o : l) {
      if (!(o instanceof Long || o instanceof Integer)) {
        throw wrong(key, "an array of integers", v);
      }
      out.add(((Number) o).longValue());
    }
    return Optional.of(List.copyOf(out));
  }

  /**
   * A list of strings (names or hex).
   *
   * @param key the member name
   * @return the values, or empty if absent
   */
  public Optional<List<String>> strings(String key) {
    Object v = rules.get(key);
    if (v == null) {
      return Optional.empty();
    }
    if (!(v instanceof List<?> l)) {
      throw wrong(key, "an array of strings", v);
    }
    List<String> out = new ArrayList<>();
    for (Object o : l) {
      if (!(o instanceof String s)) {
        throw wrong(key, "an array of strings", v);
      }
      out.add(s);
    }
    return Optional.of(List.copyOf(out));
  }

  /**
   * A string.
   *
   * @param key the member name
   * @return the value, or empty if absent
   */
  public Optional<String> string(String key) {
    Object v = rules.get(key);
    if (v == null) {
      return Optional.empty();
    }
    if (!(v instanceof String s)) {
      throw wrong(key, "a string", v);
    }
    return Optional.of(s);
  }

  private IllegalStateException wrong(String key, String expected, Object v) {
    Objects.requireNonNull(key);
    return new IllegalStateException(
        "policy "
            + path(key)
            + ": expected "
            + expected
            + ", found "
            + Json.kind(v)
            + " (validate the policy before reading it)");
  }
}
