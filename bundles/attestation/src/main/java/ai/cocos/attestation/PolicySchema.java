package ai.cocos.attestation;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * The shape of an attestation policy document: which top-level members and platform sections exist,
 * the type of every field, and which sections each platform uses. {@link #standard()} is the schema
 * documented in {@code POLICY.md}; {@link #with} returns a copy with one more field (for a provider
 * that evaluates a rule the standard schema does not list yet).
 *
 * <p>Immutable and thread-safe.
 */
public final class PolicySchema {
  /** Platform id of Azure confidential VMs whose vTPM is bound to an SEV-SNP report. */
  public static final String AZURE_SNP_VTPM = "azure-snp-vtpm";

  /** Platform id of Azure confidential VMs whose vTPM is bound to a TDX quote. */
  public static final String AZURE_TDX_VTPM = "azure-tdx-vtpm";

  /** The top-level member naming the platform. */
  public static final String PLATFORM = "platform";

  /** The top-level member that lets emulated evidence pass (default false). */
  public static final String ALLOW_EMULATED = "allow_emulated";

  /** The top-level member pinning the SNP/TDX report data (hex, zero-padded to 64 bytes). */
  public static final String REPORT_DATA = "report_data";

  /** The top-level member for people (ignored by verification). */
  public static final String DESCRIPTION = "description";

  /** The SEV-SNP section (also used by emulated evidence, which has the SNP report format). */
  public static final String SNP = "snp";

  /** The TDX section. */
  public static final String TDX = "tdx";

  /** The TPM 2.0 section. */
  public static final String VTPM = "vtpm";

  /** The SNP products the {@code snp.products} list accepts. */
  public static final List<String> SNP_PRODUCTS = List.of("Milan", "Genoa", "Turin");

  /** The TCB statuses Intel's TCB info uses (for {@code tdx.accepted_tcb_status}). */
  public static final List<String> TDX_TCB_STATUSES =
      List.of(
          "UpToDate",
          "SWHardeningNeeded",
          "ConfigurationNeeded",
          "ConfigurationAndSWHardeningNeeded",
          "OutOfDate",
          "OutOfDateConfigurationNeeded",
          "Revoked");

  /** PCR banks and their digest sizes in bytes (for {@code vtpm.pcrs}). */
  public static final Map<String, Integer> PCR_BANKS =
      Map.of("sha1", 20, "sha256", 32, "sha384", 48, "sha512", 64);

  private static final PolicySchema STANDARD = buildStandard();

  private final Map<String, FieldType> top;
  private final Map<String, Map<String, FieldType>> sections;
  private final Map<String, Set<String>> platformSections;

  private PolicySchema(
      Map<String, FieldType> top,
      Map<String, Map<String, FieldType>> sections,
      Map<String, Set<String>> platformSections) {
    this.top = top;
    this.sections = sections;
    this.platformSections = platformSections;
  }

  /**
   * The documented schema (see {@code POLICY.md}).
   *
   * @return the standard schema
   */
  public static PolicySchema standard() {
    return STANDARD;
  }

  /**
   * A copy of this schema with one more field in a section.
   *
   * @param section the section, e.g. {@code tdx}
   * @param field the field name
   * @param type its type
   * @return the extended schema
   * @throws IllegalArgumentException if the section does not exist or the field already does
   */
  public PolicySchema with(String section, String field, FieldType type) {
    Map<String, FieldType> s = sections.get(section);
    if (s == null) {
      throw new IllegalArgumentException("no policy section '" + section + "'");
    }
    if (s.containsKey(field)) {
      throw new IllegalArgumentException("field " + section + "." + field + " already exists");
    }
    Map<String, Map<String, FieldType>> copy = new LinkedHashMap<>(sections);
    Map<String, FieldType> ns = new LinkedHashMap<>(s);
    ns.put(field, Objects.requireNonNull(type, "type"));
    copy.put(section, Collections.unmodifiableMap(ns));
    return new PolicySchema(top, Collections.unmodifiableMap(copy), platformSections);
  }

  /**
   * The platforms a policy may name.
   *
   * @return platform ids in documentation order
   */
  public Set<String> platforms() {
    return platformSections.keySet();
  }

  /**
   * The sections a platform's policy may contain.
   *
   * @param platform a platform id
   * @return the section names, empty for an unknown platform
   */
  public Set<String> sectionsOf(String platform) {
    return platformSections.getOrDefault(platform, Set.of());
  }

  /**
   * The fields of a section.
   *
   * @param section a section name
   * @return field name to type, in documentation order; empty for an unknown section
   */
  public Map<String, FieldType> fieldsOf(String section) {
    return sections.getOrDefault(section, Map.of());
  }

  /**
   * The top-level scalar members (everything but the sections).
   *
   * @return member name to type
   */
  public Map<String, FieldType> topLevel() {
    return top;
  }

  /**
   * Whether a name is a section.
   *
   * @param name a top-level member name
   * @return {@code true} for {@code snp}, {@code tdx}, {@code vtpm}
   */
  public boolean isSection(String name) {
    return sections.containsKey(name);
  }

  private static PolicySchema buildStandard() {
    Map<String, FieldType> top = new LinkedHashMap<>();
    top.put(PLATFORM, FieldType.oneOf(List.of()));
    top.put(ALLOW_EMULATED, FieldType.bool());
    top.put(REPORT_DATA, FieldType.hexUpTo(64));
    top.put(DESCRIPTION, FieldType.text());

    Map<String, FieldType> snp = new LinkedHashMap<>();
    snp.put("measurements", FieldType.hexList(48));
    snp.put("host_data", FieldType.hexList(32));
    snp.put("id_key_digests", FieldType.hexList(48));
    snp.put("author_key_digests", FieldType.hexList(48));
    snp.put("family_id", FieldType.hexList(16));
    snp.put("image_id", FieldType.hexList(16));
    snp.put("chip_ids", FieldType.hexList(64));
    snp.put(
        "minimum_tcb",
        FieldType.object(
            orderedMap(
                "bootloader", FieldType.uint(255),
                "tee", FieldType.uint(255),
                "snp", FieldType.uint(255),
                "microcode", FieldType.uint(255),
                "fmc", FieldType.uint(255))));
    snp.put("minimum_guest_svn", FieldType.uint(0xFFFF_FFFFL));
    snp.put(
        "minimum_firmware",
        FieldType.object(
            orderedMap(
                "major", FieldType.uint(255),
                "minor", FieldType.uint(255),
                "build", FieldType.uint(255))));
    snp.put("debug_allowed", FieldType.bool());
    snp.put("migrate_ma_allowed", FieldType.bool());
    snp.put("smt_allowed", FieldType.bool());
    snp.put("single_socket_required", FieldType.bool());
    snp.put("vmpl", FieldType.uintList(3));
    snp.put("products", FieldType.oneOfList(SNP_PRODUCTS));
    snp.put("signing_keys", FieldType.oneOfList(List.of("vcek", "vlek")));
    snp.put("roots", FieldType.hexList(32));
    snp.put("check_crl", FieldType.bool());

    Map<String, FieldType> tdx = new LinkedHashMap<>();
    tdx.put("mrtd", FieldType.hexList(48));
    tdx.put("rtmrs", FieldType.rtmrs());
    tdx.put("mr_seam", FieldType.hexList(48));
    tdx.put("mr_signer_seam", FieldType.hexList(48));
    tdx.put("mr_config_id", FieldType.hexList(48));
    tdx.put("mr_owner", FieldType.hexList(48));
    tdx.put("mr_owner_config", FieldType.hexList(48));
    tdx.put("td_attributes", FieldType.hexList(8));
    tdx.put("xfam", FieldType.hexList(8));
    tdx.put("minimum_tee_tcb_svn", FieldType.hex(16));
    tdx.put("minimum_qe_svn", FieldType.uint(0xFFFF));
    tdx.put("minimum_pce_svn", FieldType.uint(0xFFFF));
    tdx.put("qe_vendor_ids", FieldType.hexList(16));
    tdx.put("accepted_tcb_status", FieldType.oneOfList(TDX_TCB_STATUSES));
    tdx.put("debug_allowed", FieldType.bool());
    tdx.put("roots", FieldType.hexList(32));
    tdx.put("check_crl", FieldType.bool());
    tdx.put("event_log_required", FieldType.bool());

    Map<String, FieldType> vtpm = new LinkedHashMap<>();
    vtpm.put("pcrs", FieldType.pcrs());
    vtpm.put("nonce", FieldType.hexUpTo(64));
    vtpm.put("ak_roots", FieldType.hexList(32));
    vtpm.put("ak_keys", FieldType.hexList(32));
    vtpm.put("ek_roots", FieldType.hexList(32));
    vtpm.put("event_log_required", FieldType.bool());

    Map<String, Map<String, FieldType>> sections = new LinkedHashMap<>();
    sections.put(SNP, Collections.unmodifiableMap(snp));
    sections.put(TDX, Collections.unmodifiableMap(tdx));
    sections.put(VTPM, Collections.unmodifiableMap(vtpm));

    Map<String, Set<String>> platforms = new LinkedHashMap<>();
    platforms.put("snp", Set.of(SNP));
    platforms.put("tdx", Set.of(TDX));
    platforms.put("vtpm", Set.of(VTPM));
    platforms.put(AZURE_SNP_VTPM, Set.of(SNP, VTPM));
    platforms.put(AZURE_TDX_VTPM, Set.of(TDX, VTPM));
    platforms.put("emulated", Set.of(SNP));
    return new PolicySchema(
        Collections.unmodifiableMap(top),
        Collections.unmodifiableMap(sections),
        Collections.unmodifiableMap(platforms));
  }

  private static Map<String, FieldType> orderedMap(Object... kv) {
    Map<String, FieldType> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], (FieldType) kv[i + 1]);
    }
    return Collections.unmodifiableMap(m);
  }

  /**
   * The type of one policy field: checks a parsed JSON value and returns it normalised (hex in
   * lower case, names in their canonical spelling), or adds problems naming the JSON path.
   */
  public abstract static class FieldType {
    private final String description;

    private FieldType(String description) {
      this.description = description;
    }

    /**
     * What the field holds, for error messages and documentation.
     *
     * @return e.g. {@code a non-empty array of 48-byte hex strings}
     */
    public String description() {
      return description;
    }

    /**
     * Checks a value.
     *
     * @param path the value's JSON path
     * @param value the parsed value
     * @param problems where problems are added
     * @return the normalised value, or {@code null} if it has problems
     */
    public abstract Object check(String path, Object value, List<PolicyProblem> problems);

    /**
     * A hex string of exactly {@code bytes} bytes (upper or lower case; stored lower case).
     *
     * @param bytes the length in bytes
     * @return the type
     */
    public static FieldType hex(int bytes) {
      return new FieldType(bytes * 2 + " hex digits (" + bytes + " bytes)") {
        @Override
        public Object check(String path, Object v, List<PolicyProblem> problems) {
          return checkHex(path, v, bytes, bytes, description(), problems);
        }
      };
    }

    /**
     * A hex string of 1 to {@code max} bytes.
     *
     * @param max the largest length in bytes
     * @return the type
     */
    public static FieldType hexUpTo(int max) {
      return new FieldType("2 to " + max * 2 + " hex digits (1 to " + max + " bytes)") {
        @Override
        public Object check(String path, Object v, List<PolicyProblem> problems) {
          return checkHex(path, v, 1, max, description(), problems);
        }
      };
    }

    /**
     * A non-empty array of distinct hex strings of {@code bytes} bytes: an allow-list.
     *
     * @param bytes the length of each entry in bytes
     * @return the type
     */
    public static FieldType hexList(int bytes) {
      FieldType item = hex(bytes);
      return new FieldType("a non-empty array of " + item.description() + " strings") {
        @Override
        public Object check(String path, Object v, List<PolicyProblem> problems) {
          return checkList(path, v, item, description(), problems);
        }
      };
    }

    /**
     * {@code true} or {@code false}.
     *
     * @return the type
     */
    public static FieldType bool() {
      return new FieldType("true or false") {
        @Override
        public Object check(String path, Object v, List<PolicyProblem> problems) {
          if (v instanceof Boolean) {
            return v;
          }
          problems.add(new PolicyProblem(path, "expected true or false, found " + Json.kind(v)));
          return null;
        }
      };
    }

    /**
     * A string for people (no control characters but line breaks and tabs).
     *
     * @return the type
     */
    public static FieldType text() {
      return new FieldType("a string") {
        @Override
        public Object check(String path, Object v, List<PolicyProblem> problems) {
          if (!(v instanceof String s)) {
            problems.add(new PolicyProblem(path, "expected a string, found " + Json.kind(v)));
            return null;
          }
          for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') {
              problems.add(new PolicyProblem(path, "contains a control character"));
              return null;
            }
          }
          return s;
        }
      };
    }

    /**
     * An integer from 0 to {@code max}.
     *
     * @param max the largest value
     * @return the type; values are stored as {@link Long}
     */
    public static FieldType uint(long max) {
      return new FieldType("an integer from 0 to " + max) {
        @Override
        public Object check(String path, Object v, List<PolicyProblem> problems) {
          if ((v instanceof Long || v instanceof Integer || v instanceof Short)
              && ((Number) v).longValue() >= 0
              && ((Number) v).longValue() <= max) {
            return ((Number) v).longValue();
          }
          problems.add(
              new PolicyProblem(
                  path,
                  "expected an integer from 0 to "
                      + max
                      + ", found "
                      + (v instanceof Number ? String.valueOf(v) : Json.kind(v))));
          return null;
        }
      };
    }

    /**
     * A non-empty array of distinct integers from 0 to {@code max}.
     *
     * @param max the largest value
     * @return the type
     */
    public static FieldType uintList(long max) {
      FieldType item = uint(max);
      return new FieldType("a non-empty array of integers from 0 to " + max) {
        @Override
        public Object check(String path, Object v, List<PolicyProblem> problems) {
          return checkList(path, v, item, description(), problems);
        }
      };
    }

    /**
     * One of a set of names, matched case-insensitively and stored in its listed spelling. An empty
     * list accepts any non-empty string (used for {@code platform}, which the document checks
     * against its schema's platforms).
     *
     * @param names the accepted names
     * @return the type
     */
    public static FieldType oneOf(List<String> names) {
      List<String> copy = List.copyOf(names);
      return new FieldType(copy.isEmpty() ? "a name" : "one of " + String.join(", ", copy)) {
        @Override
        public Object check(String path, Object v, List<PolicyProblem> problems) {
          if (!(v instanceof String s) || s.isEmpty()) {
            problems.add(
                new PolicyProblem(path, "expected " + description() + ", found " + Json.kind(v)));
            return null;
          }
          if (copy.isEmpty()) {
            return s;
          }
          for (String n : copy) {
            if (n.equalsIgnoreCase(s)) {
              return n;
            }
          }
          problems.add(
              new PolicyProblem(path, "\"" + s + "\" is not accepted: expected " + description()));
          return null;
        }
      };
    }

    /**
     * A non-empty array of distinct names from a set.
     *
     * @param names the accepted names
     * @return the type
     */
    public static FieldType oneOfList(List<String> names) {
      FieldType item = oneOf(names);
      return new FieldType("a non-empty array of " + item.description()) {
        @Override
        public Object check(String path, Object v, List<PolicyProblem> problems) {
          return checkList(path, v, item, description(), problems);
        }
      };
    }

    /**
     * An object with the given optional fields (unknown members are problems).
     *
     * @param fields field name to type
     * @return the type
     */
    public static FieldType object(Map<String, FieldType> fields) {
      Map<String, FieldType> copy = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
      return new FieldType("an object with members " + String.join(", ", copy.keySet())) {
        @Override
        public Object check(String path, Object v, List<PolicyProblem> problems) {
          if (!(v instanceof Map<?, ?> m)) {
            problems.add(new PolicyProblem(path, "expected an object, found " + Json.kind(v)));
            return null;
          }
          return checkMembers(path, m, copy, problems);
        }
      };
    }

    /**
     * TDX RTMR allow-list: a non-empty array of entries, each an array of exactly four items, each
     * a 48-byte hex string or {@code null} (that register is not pinned).
     *
     * @return the type
     */
    public static FieldType rtmrs() {
      FieldType h = hex(48);
      return new FieldType(
          "a non-empty array of [RTMR0, RTMR1, RTMR2, RTMR3] arrays (each a 96-hex-digit string"
              + " or null)") {
        @Override
        public Object check(String path, Object v, List<PolicyProblem> problems) {
          if (!(v instanceof List<?> l) || l.isEmpty()) {
            problems.add(
                new PolicyProblem(
                    path,
                    v instanceof List
                        ? "an empty allow-list accepts nothing: remove the field or list values"
                        : "expected " + description() + ", found " + Json.kind(v)));
            return null;
          }
          List<Object> out = new ArrayList<>();
          int before = problems.size();
          for (int i = 0; i < l.size(); i++) {
            String p = Json.element(path, i);
            if (!(l.get(i) instanceof List<?> regs) || regs.size() != 4) {
              problems.add(
                  new PolicyProblem(p, "expected an array of exactly 4 RTMR values (hex or null)"));
              continue;
            }
            List<Object> set = new ArrayList<>();
            for (int r = 0; r < 4; r++) {
              Object x = regs.get(r);
              set.add(x == Json.NULL ? Json.NULL : h.check(Json.element(p, r), x, problems));
            }
            out.add(Collections.unmodifiableList(set));
          }
          return problems.size() == before ? Collections.unmodifiableList(out) : null;
        }
      };
    }

    /**
     * vTPM PCR allow-list: {@code {"<bank>": {"<index>": ["<hex>", ...]}}}, bank one of {@link
     * #PCR_BANKS}, index 0 to 23 in decimal, each value of the bank's digest size.
     *
     * @return the type
     */
    public static FieldType pcrs() {
      return new FieldType(
          "an object {\"sha256\": {\"<PCR index 0-23>\": [\"<hex digest>\", ...]}, ...}") {
        @Override
        public Object check(String path, Object v, List<PolicyProblem> problems) {
          if (!(v instanceof Map<?, ?> banks)) {
            problems.add(new PolicyProblem(path, "expected " + description()));
            return null;
          }
          if (banks.isEmpty()) {
            problems.add(
                new PolicyProblem(path, "pins no PCR: give at least one bank with one PCR"));
            return null;
          }
          int before = problems.size();
          Map<String, Object> out = new LinkedHashMap<>();
          for (Map.Entry<?, ?> b : banks.entrySet()) {
            String bank = String.valueOf(b.getKey());
            String bp = Json.member(path, bank);
            Integer size = PCR_BANKS.get(bank.toLowerCase(Locale.ROOT));
            if (size == null) {
              problems.add(
                  new PolicyProblem(
                      bp,
                      "unknown PCR bank \""
                          + bank
                          + "\": expected one of sha1, sha256, sha384,"
                          + " sha512"));
              continue;
            }
            if (!(b.getValue() instanceof Map<?, ?> idx) || idx.isEmpty()) {
              problems.add(
                  new PolicyProblem(
                      bp, "expected an object of PCR index to allowed values, with at least one"));
              continue;
            }
            Map<String, Object> pcrs =
                new TreeMap<>((x, y) -> Integer.compare(Integer.parseInt(x), Integer.parseInt(y)));
            FieldType values = hexList(size);
            for (Map.Entry<?, ?> e : idx.entrySet()) {
              String index = String.valueOf(e.getKey());
              String ip = Json.member(bp, index);
              if (!index.matches("0|[1-9][0-9]?") || Integer.parseInt(index) > 23) {
                problems.add(
                    new PolicyProblem(ip, "PCR index must be a decimal number from 0 to 23"));
                continue;
              }
              Object checked = values.check(ip, e.getValue(), problems);
              if (checked != null) {
                pcrs.put(index, checked);
              }
            }
            out.put(
                bank.toLowerCase(Locale.ROOT),
                Collections.unmodifiableMap(new LinkedHashMap<>(pcrs)));
          }
          return problems.size() == before ? Collections.unmodifiableMap(out) : null;
        }
      };
    }

    static Object checkHex(
        String path, Object v, int min, int max, String what, List<PolicyProblem> problems) {
      if (!(v instanceof String s)) {
        problems.add(new PolicyProblem(path, "expected " + what + ", found " + Json.kind(v)));
        return null;
      }
      String t = s.startsWith("0x") || s.startsWith("0X") ? s.substring(2) : s;
      boolean hexOnly = !t.isEmpty() && t.chars().allMatch(c -> Character.digit(c, 16) >= 0);
      if (!hexOnly || t.length() % 2 != 0) {
        problems.add(
            new PolicyProblem(
                path,
                "expected "
                    + what
                    + ", found "
                    + (hexOnly ? "an odd number of digits (" + t.length() + ")" : "non-hex text")));
        return null;
      }
      int n = t.length() / 2;
      if (n < min || n > max) {
        problems.add(
            new PolicyProblem(
                path,
                "expected " + what + ", found " + t.length() + " hex digits (" + n + " bytes)"));
        return null;
      }
      return HexFormat.of().formatHex(HexFormat.of().parseHex(t.toLowerCase(Locale.ROOT)));
    }

    static Object checkList(
        String path, Object v, FieldType item, String what, List<PolicyProblem> problems) {
      if (!(v instanceof List<?> l)) {
        problems.add(new PolicyProblem(path, "expected " + what + ", found " + Json.kind(v)));
        return null;
      }
      if (l.isEmpty()) {
        problems.add(
            new PolicyProblem(
                path,
                "an empty allow-list accepts nothing: remove the field to leave it unpinned, or"
                    + " list the accepted values"));
        return null;
      }
      int before = problems.size();
      Set<Object> seen = new LinkedHashSet<>();
      for (int i = 0; i < l.size(); i++) {
        String p = Json.element(path, i);
        Object c = item.check(p, l.get(i), problems);
        if (c != null && !seen.add(c)) {
          problems.add(new PolicyProblem(p, "duplicate value " + c));
        }
      }
      return problems.size() == before ? List.copyOf(seen) : null;
    }

    static Map<String, Object> checkMembers(
        String path, Map<?, ?> m, Map<String, FieldType> fields, List<PolicyProblem> problems) {
      int before = problems.size();
      Map<String, Object> out = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        String name = String.valueOf(e.getKey());
        String p = Json.member(path, name);
        FieldType t = fields.get(name);
        if (t == null) {
          problems.add(new PolicyProblem(p, unknown(name, fields.keySet())));
          continue;
        }
        Object c = t.check(p, e.getValue(), problems);
        if (c != null) {
          out.put(name, c);
        }
      }
      return problems.size() == before ? Collections.unmodifiableMap(out) : null;
    }

    static String unknown(String name, Set<String> known) {
      String best = null;
      int bestDistance = Integer.MAX_VALUE;
      for (String k : known) {
        int d = distance(name.toLowerCase(Locale.ROOT), k);
        if (d < bestDistance) {
          bestDistance = d;
          best = k;
        }
      }
      String hint = best != null && bestDistance <= 3 ? " (did you mean \"" + best + "\"?)" : "";
      return "unknown field \""
          + name
          + "\""
          + hint
          + "; accepted here: "
          + String.join(", ", known);
    }

    private static int distance(String a, String b) {
      int[] prev = new int[b.length() + 1];
      int[] cur = new int[b.length() + 1];
      for (int j = 0; j <= b.length(); j++) {
        prev[j] = j;
      }
      for (int i = 1; i <= a.length(); i++) {
        cur[0] = i;
        for (int j = 1; j <= b.length(); j++) {
          int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
          cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
        }
        int[] t = prev;
        prev = cur;
        cur = t;
      }
      return prev[b.length()];
    }
  }
}
