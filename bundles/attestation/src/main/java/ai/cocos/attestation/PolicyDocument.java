package ai.cocos.attestation;

import ai.cocos.api.tee.Policy;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Turns a JSON policy document into an {@link ai.cocos.api.tee.Policy} and back, strictly: unknown
 * members, wrong types, hex of the wrong length, empty allow-lists, sections that do not apply to
 * the platform, and a policy that pins no measurement are all errors naming the JSON path. The
 * schema is documented in {@code POLICY.md} and defined by {@link PolicySchema}.
 *
 * <p>The {@link Policy#rules()} map holds every top-level member except {@code platform},
 * normalised: hex in lower case without {@code 0x}, names in their canonical spelling (e.g. {@code
 * Milan}), integers as {@link Long}, sections as unmodifiable maps.
 *
 * <p>Immutable and thread-safe.
 */
public final class PolicyDocument {
  /** The largest policy file accepted: 1 MiB. */
  public static final int MAX_BYTES = 1024 * 1024;

  private static final PolicyDocument STANDARD = new PolicyDocument(PolicySchema.standard());

  private final PolicySchema schema;

  /**
   * A document reader and writer for a schema.
   *
   * @param schema the schema, usually {@link PolicySchema#standard()}
   */
  public PolicyDocument(PolicySchema schema) {
    this.schema = Objects.requireNonNull(schema, "schema");
  }

  /**
   * The reader and writer of the standard schema.
   *
   * @return the shared instance
   */
  public static PolicyDocument standard() {
    return STANDARD;
  }

  /**
   * The schema.
   *
   * @return the schema this document checks against
   */
  public PolicySchema schema() {
    return schema;
  }

  /**
   * Parses a policy document with the standard schema.
   *
   * @param json the JSON text
   * @return the policy
   * @throws PolicyException listing every problem with its JSON path
   */
  public static Policy parse(String json) throws PolicyException {
    return STANDARD.read(json);
  }

  /**
   * Reads a policy file with the standard schema (UTF-8, at most {@link #MAX_BYTES}).
   *
   * @param file the file
   * @return the policy
   * @throws PolicyException if the content is refused (the problem names the file)
   * @throws IOException if the file cannot be read
   */
  public static Policy read(Path file) throws PolicyException, IOException {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] b = in.readNBytes(MAX_BYTES + 1);
      if (b.length > MAX_BYTES) {
        throw new PolicyException(
            List.of(new PolicyProblem("", file + " is larger than " + MAX_BYTES + " bytes")));
      }
      return STANDARD.read(utf8(b, file.toString()));
    }
  }

  /**
   * Parses a policy document.
   *
   * @param json the JSON text
   * @return the policy
   * @throws PolicyException listing every problem with its JSON path
   */
  public Policy read(String json) throws PolicyException {
    Objects.requireNonNull(json, "json");
    if (json.length() > MAX_BYTES) {
      throw new PolicyException(
          List.of(new PolicyProblem("", "policy is larger than " + MAX_BYTES + " characters")));
    }
    String text = json.startsWith("\uFEFF") ? json.substring(1) : json;
    Object root;
    try {
      root = Json.parse(text);
    } catch (Json.JsonException e) {
      throw new PolicyException(List.of(new PolicyProblem("", e.getMessage())));
    }
    if (!(root instanceof Map<?, ?> m)) {
      throw new PolicyException(
          List.of(
              new PolicyProblem(
                  "",
                  "a policy is a JSON object {\"platform\": ..., ...}, found " + Json.kind(root))));
    }
    List<PolicyProblem> problems = new ArrayList<>();
    Policy p = check(m, problems);
    if (!problems.isEmpty()) {
      throw new PolicyException(problems);
    }
    return p;
  }

  /**
   * Checks a policy built in code (not read from JSON) against the schema, with the same rules as
   * {@link #read}. Providers call this before evaluating, so that a malformed policy fails the
   * verdict instead of being half-applied.
   *
   * @param policy the policy
   * @return the problems, empty if the policy is valid
   */
  public List<PolicyProblem> validate(Policy policy) {
    Map<String, Object> all = new LinkedHashMap<>();
    all.put(PolicySchema.PLATFORM, policy.platform());
    if (policy.rules().containsKey(PolicySchema.PLATFORM)
        && !policy.platform().equals(policy.rules().get(PolicySchema.PLATFORM))) {
      return List.of(
          new PolicyProblem(
              PolicySchema.PLATFORM,
              "the rules name platform "
                  + policy.rules().get(PolicySchema.PLATFORM)
                  + " but the policy is for "
                  + policy.platform()));
    }
    for (Map.Entry<String, Object> e : policy.rules().entrySet()) {
      if (!e.getKey().equals(PolicySchema.PLATFORM)) {
        all.put(e.getKey(), e.getValue());
      }
    }
    List<PolicyProblem> problems = new ArrayList<>();
    check(all, problems);
    return List.copyOf(problems);
  }

  /**
   * Checks a policy and returns its normalised form.
   *
   * @param policy a policy, possibly built in code
   * @return the same policy with normalised rules
   * @throws PolicyException listing every problem
   */
  public Policy normalise(Policy policy) throws PolicyException {
    Map<String, Object> all = new LinkedHashMap<>(policy.rules());
    all.put(PolicySchema.PLATFORM, policy.platform());
    List<PolicyProblem> problems = new ArrayList<>();
    Policy p = check(all, problems);
    if (!problems.isEmpty()) {
      throw new PolicyException(problems);
    }
    return p;
  }

  /**
   * Writes a policy as JSON: {@code platform} first, then the rules in their order; {@link #read}
   * of the result gives an equal policy.
   *
   * @param policy the policy (checked first)
   * @return the JSON text, two-space indented, ending with a line break
   * @throws PolicyException if the policy does not satisfy the schema
   */
  public String write(Policy policy) throws PolicyException {
    Policy p = normalise(policy);
    Map<String, Object> all = new LinkedHashMap<>();
    all.put(PolicySchema.PLATFORM, p.platform());
    // Policy's rules map does not keep order: write in the schema's documentation order.
    for (String k : schema.topLevel().keySet()) {
      if (p.rules().containsKey(k)) {
        all.put(k, p.rules().get(k));
      }
    }
    for (String section : List.of(PolicySchema.SNP, PolicySchema.TDX, PolicySchema.VTPM)) {
      Object s = p.rules().get(section);
      if (s instanceof Map<?, ?> m) {
        Map<String, Object> ordered = new LinkedHashMap<>();
        for (String f : schema.fieldsOf(section).keySet()) {
          if (m.containsKey(f)) {
            ordered.put(f, ordered(m.get(f), schema.fieldsOf(section).get(f)));
          }
        }
        all.put(section, ordered);
      }
    }
    return Json.write(all);
  }

  private static Object ordered(Object v, PolicySchema.FieldType t) {
    // Nested objects (minimum_tcb) keep their documented member order when written.
    if (v instanceof Map<?, ?> m && t.description().startsWith("an object with members ")) {
      Map<String, Object> o = new LinkedHashMap<>();
      for (String k : t.description().substring("an object with members ".length()).split(", ")) {
        if (m.containsKey(k)) {
          o.put(k, m.get(k));
        }
      }
      return o;
    }
    return v;
  }

  private Policy check(Map<?, ?> m, List<PolicyProblem> problems) {
    Object platformValue = m.get(PolicySchema.PLATFORM);
    String platform = null;
    if (platformValue == null) {
      problems.add(
          new PolicyProblem(
              PolicySchema.PLATFORM,
              "missing: name the platform, one of " + String.join(", ", schema.platforms())));
    } else if (!(platformValue instanceof String s) || !schema.platforms().contains(s)) {
      problems.add(
          new PolicyProblem(
              PolicySchema.PLATFORM,
              "expected one of "
                  + String.join(", ", schema.platforms())
                  + ", found "
                  + (platformValue instanceof String s
                      ? "\"" + s + "\""
                      : Json.kind(platformValue))));
    } else {
      platform = (String) platformValue;
    }
    Set<String> allowedSections = platform == null ? Set.of() : schema.sectionsOf(platform);
    Map<String, Object> rules = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : m.entrySet()) {
      String name = String.valueOf(e.getKey());
      if (name.equals(PolicySchema.PLATFORM)) {
        continue;
      }
      String path = Json.member("", name);
      if (schema.isSection(name)) {
        if (platform != null && !allowedSections.contains(name)) {
          problems.add(
              new PolicyProblem(
                  path,
                  "section \""
                      + name
                      + "\" does not apply to platform "
                      + platform
                      + " (it uses "
                      + (allowedSections.isEmpty() ? "none" : String.join(", ", allowedSections))
                      + ")"));
          continue;
        }
        if (!(e.getValue() instanceof Map<?, ?> sm)) {
          problems.add(
              new PolicyProblem(path, "expected an object, found " + Json.kind(e.getValue())));
          continue;
        }
        Map<String, Object> checked =
            PolicySchema.FieldType.checkMembers(path, sm, schema.fieldsOf(name), problems);
        if (checked != null) {
          rules.put(name, checked);
        }
        continue;
      }
      PolicySchema.FieldType t = schema.topLevel().get(name);
      if (t == null) {
        List<String> known = new ArrayList<>(schema.topLevel().keySet());
        known.addAll(allowedSections);
        problems.add(
            new PolicyProblem(path, PolicySchema.FieldType.unknown(name, Set.copyOf(known))));
        continue;
      }
      Object c = t.check(path, e.getValue(), problems);
      if (c != null) {
        rules.put(name, c);
      }
    }
    if (platform != null) {
      mandatory(platform, m, problems);
    }
    return platform == null || !problems.isEmpty()
        ? null
        : new Policy(platform, Collections.unmodifiableMap(rules));
  }

  /** The measurement (or, for emulated evidence, the emulated root) a policy must pin. */
  private static void mandatory(String platform, Map<?, ?> m, List<PolicyProblem> problems) {
    boolean snpMeasurement = has(m, PolicySchema.SNP, "measurements");
    boolean mrtd = has(m, PolicySchema.TDX, "mrtd");
    boolean pcrs = has(m, PolicySchema.VTPM, "pcrs");
    String missing =
        switch (platform) {
          case "snp" -> snpMeasurement ? null : "snp.measurements (the launch digests accepted)";
          case "tdx" -> mrtd ? null : "tdx.mrtd (the TD measurements accepted)";
          case "vtpm" -> pcrs ? null : "vtpm.pcrs (at least one PCR's accepted values)";
          case PolicySchema.AZURE_SNP_VTPM ->
              snpMeasurement || pcrs ? null : "snp.measurements or vtpm.pcrs";
          case PolicySchema.AZURE_TDX_VTPM -> mrtd || pcrs ? null : "tdx.mrtd or vtpm.pcrs";
          case "emulated" ->
              has(m, PolicySchema.SNP, "roots")
                  ? null
                  : "snp.roots (the SHA-256 of the emulated root certificate you trust)";
          default -> null;
        };
    if (missing != null) {
      problems.add(
          new PolicyProblem(
              "",
              "the policy pins no measurement: a "
                  + platform
                  + " policy must give "
                  + missing
                  + "; `attestation policy create "
                  + platform
                  + " --from <evidence>` writes one from evidence you trust"));
    }
  }

  private static boolean has(Map<?, ?> m, String section, String field) {
    return m.get(section) instanceof Map<?, ?> s && s.containsKey(field);
  }

  private static String utf8(byte[] b, String what) throws PolicyException {
    try {
      String s =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(b))
              .toString();
      return s;
    } catch (CharacterCodingException e) {
      throw new PolicyException(List.of(new PolicyProblem("", what + " is not UTF-8 text")));
    }
  }
}
