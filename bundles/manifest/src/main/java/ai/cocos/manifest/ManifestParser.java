package ai.cocos.manifest;

import ai.cocos.api.computation.AgentConfig;
import ai.cocos.api.computation.AlgorithmSpec;
import ai.cocos.api.computation.DatasetSpec;
import ai.cocos.api.computation.Manifest;
import ai.cocos.api.computation.PublicKeyPem;
import ai.cocos.api.computation.ResultConsumer;
import ai.cocos.api.computation.Sha3Hash;
import ai.cocos.manifest.internal.Json;
import ai.cocos.manifest.internal.KeyMaterial;
import ai.cocos.manifest.internal.Paths;
import ai.cocos.manifest.internal.Text;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads a computation manifest from JSON and checks every field. Instances are immutable and
 * thread-safe.
 *
 * <h2>Schema</h2>
 *
 * <pre>{@code
 * {
 *   "id": "c0ffee-1",                      required; 1-128 of A-Z a-z 0-9 . _ : -
 *   "name": "...",                         optional, default ""; no control characters
 *   "description": "...",                  optional, default ""; no control characters but tab/LF/CR
 *   "datasets": [                          optional, default []
 *     { "hash": "<64 lower-case hex>",     required; SHA3-256 of the dataset
 *       "userKey": "<PEM public key>",     required; the data provider
 *       "filename": "a.csv",               required; a plain file name, unique in the manifest
 *       "decompress": false }              optional, default false
 *   ],
 *   "algorithm": {                         required
 *     "hash": "<64 lower-case hex>",       required
 *     "userKey": "<PEM public key>",       required; the algorithm provider
 *     "type": "python",                    optional, default "bin"; one of the accepted types
 *     "args": ["--x", "1"] },              optional, default []; strings without NUL
 *   "result_consumers": [                  required, at least one, no key twice
 *     { "userKey": "<PEM public key>" } ],
 *   "agent_config": {                      optional; every field optional
 *     "port": 7002,                        0-65535, 0 (the default) = the agent's configured port
 *     "cert_file": "<PEM certificates>",   the agent's chain, leaf first; needs key_file
 *     "key_file": "<PEM private key>",     unencrypted, must belong to the leaf; needs cert_file
 *     "server_ca_file": "<PEM certificates>",
 *     "client_ca_file": "<PEM certificates>",  needs cert_file or attested_tls
 *     "attested_tls": false }              a JSON boolean
 * }
 * }</pre>
 *
 * <p>Public keys are PEM {@code PUBLIC KEY} (SPKI) or {@code RSA PUBLIC KEY} blocks of an accepted
 * type: RSA of at least 2048 bits, ECDSA P-256 or P-384, Ed25519. The {@code agent_config}
 * certificate fields hold PEM text (not file names); the private key may be PKCS#8, SEC1 or PKCS#1.
 * Key and certificate text is normalised (re-encoded from its DER in the standard PEM layout; the
 * private key as PKCS#8), so the parsed manifest does not depend on line wrapping.
 *
 * <p>Compatibility with CocosAI: besides these names the parser accepts the spellings of CocosAI's
 * internal computation JSON, {@code user_key} for {@code userKey}, {@code algo_type} for {@code
 * type} and {@code algo_args} for {@code args} (giving both spellings of one field is an error),
 * and a port written as a string of digits (CocosAI's {@code AgentConfig.port} is a string). For
 * optional fields {@code null} means absent, and so does an empty string in the {@code
 * agent_config} PEM fields (as an empty proto field does in CocosAI).
 *
 * <h2>Errors</h2>
 *
 * <p>Input is refused above a size limit (1 MiB by default), if it is not UTF-8 (a leading byte
 * order mark is ignored) or not one JSON object. Otherwise the whole document is checked and every
 * problem is reported in one {@link ManifestException}, each with its JSON path: wrong JSON types,
 * missing required fields, unknown fields (with a "did you mean" hint), duplicate names in an
 * object, malformed hashes, keys and certificates, unsafe file names, duplicate file names or
 * consumers, an out-of-range port, an algorithm type not in the accepted set, TLS settings that do
 * not fit together, and an empty consumer list. Messages never quote private-key text.
 */
public final class ManifestParser {
  /** The default size limit: 1 MiB. */
  public static final int DEFAULT_MAX_BYTES = 1024 * 1024;

  /** The runner types accepted by default (those CocosAI ships). */
  public static final Set<String> DEFAULT_ALGORITHM_TYPES =
      Set.of("bin", "python", "wasm", "docker");

  /** The algorithm type used when a manifest names none (CocosAI's default). */
  public static final String DEFAULT_ALGORITHM_TYPE = "bin";

  private static final List<String> TOP =
      List.of(
          "id", "name", "description", "datasets", "algorithm", "result_consumers", "agent_config");
  private static final List<String> DATASET = List.of("hash", "userKey", "filename", "decompress");
  private static final List<String> ALGORITHM = List.of("hash", "userKey", "type", "args");
  private static final List<String> CONSUMER = List.of("userKey");
  private static final List<String> AGENT =
      List.of("port", "cert_file", "key_file", "server_ca_file", "client_ca_file", "attested_tls");
  private static final Map<String, String> KEY_ALIASES = Map.of("user_key", "userKey");
  private static final Map<String, String> ALGORITHM_ALIASES =
      Map.of("user_key", "userKey", "algo_type", "type", "algo_args", "args");

  private final Set<String> algorithmTypes;
  private final int maxBytes;

  /** A parser with the default algorithm types and size limit. */
  public ManifestParser() {
    this(DEFAULT_ALGORITHM_TYPES, DEFAULT_MAX_BYTES);
  }

  /**
   * A parser for an agent whose runners serve the given types.
   *
   * @param algorithmTypes the accepted {@code algorithm.type} values, at least one (runner types
   *     are plugins, so the agent passes the types it can run)
   * @param maxBytes the largest manifest accepted, in bytes of UTF-8 (below {@link
   *     Integer#MAX_VALUE})
   */
  public ManifestParser(Set<String> algorithmTypes, int maxBytes) {
    Objects.requireNonNull(algorithmTypes, "algorithmTypes");
    if (algorithmTypes.isEmpty()) {
      throw new IllegalArgumentException("at least one algorithm type must be accepted");
    }
    if (maxBytes <= 0 || maxBytes == Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "maxBytes must be 1 to " + (Integer.MAX_VALUE - 1) + ", was " + maxBytes);
    }
    this.algorithmTypes = Set.copyOf(algorithmTypes);
    this.maxBytes = maxBytes;
  }

  /**
   * The accepted algorithm types.
   *
   * @return the set given at construction
   */
  public Set<String> algorithmTypes() {
    return algorithmTypes;
  }

  /**
   * The size limit.
   *
   * @return the largest manifest accepted, in bytes
   */
  public int maxBytes() {
    return maxBytes;
  }

  /**
   * Parses a manifest.
   *
   * @param json the JSON text
   * @return the manifest
   * @throws ManifestException listing every problem found
   */
  public Manifest parse(String json) throws ManifestException {
    Objects.requireNonNull(json, "json");
    // A char is at most 3 bytes of UTF-8: skip the count for small inputs.
    if ((long) json.length() * 3 > maxBytes
        && json.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
      throw tooLarge();
    }
    return parseText(json);
  }

  /**
   * Parses a manifest from UTF-8 bytes.
   *
   * @param json the JSON bytes
   * @return the manifest
   * @throws ManifestException listing every problem found
   */
  public Manifest parse(byte[] json) throws ManifestException {
    Objects.requireNonNull(json, "json");
    if (json.length > maxBytes) {
      throw tooLarge();
    }
    return parseText(utf8(json));
  }

  /**
   * Reads a manifest from a stream, at most the size limit plus one byte. The stream is not closed.
   *
   * @param in the stream of UTF-8 JSON
   * @return the manifest
   * @throws IOException if the stream cannot be read
   * @throws ManifestException listing every problem found
   */
  public Manifest parse(InputStream in) throws IOException, ManifestException {
    Objects.requireNonNull(in, "in");
    byte[] bytes = in.readNBytes(maxBytes + 1);
    if (bytes.length > maxBytes) {
      throw tooLarge();
    }
    return parseText(utf8(bytes));
  }

  /**
   * Checks a manifest built in code (for example by the CLI's {@code manifest create}) as if it had
   * been read from JSON, and normalises its PEM text.
   *
   * @param manifest the manifest
   * @return the equal manifest the parser reads from {@link ManifestWriter#toJson(Manifest)}
   * @throws ManifestException listing every problem found
   */
  public Manifest validate(Manifest manifest) throws ManifestException {
    return parse(ManifestWriter.toJson(manifest));
  }

  private ManifestException tooLarge() {
    String limit =
        maxBytes % (1024 * 1024) == 0
            ? (maxBytes / (1024 * 1024)) + " MiB (" + maxBytes + " bytes)"
            : maxBytes + " bytes";
    return new ManifestException("manifest is larger than the limit of " + limit);
  }

  private static String utf8(byte[] bytes) throws ManifestException {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    CoderResult r = decoder.decode(in, out, true);
    if (!r.isError()) {
      r = decoder.flush(out);
    }
    if (r.isError()) {
      throw new ManifestException(
          "manifest is not valid UTF-8: malformed byte sequence at byte offset " + in.position());
    }
    out.flip();
    return out.toString();
  }

  private Manifest parseText(String text) throws ManifestException {
    if (text.startsWith("\uFEFF")) {
      text = text.substring(1);
    }
    List<ManifestProblem> problems = new ArrayList<>();
    Json.Value root;
    try {
      root = Json.read(text, problems);
    } catch (Json.SyntaxException e) {
      throw new ManifestException(e.getMessage());
    }
    if (!(root instanceof Json.Obj obj)) {
      throw new ManifestException("expected a JSON object at top level, found " + root.kind());
    }
    Manifest m = new Run(problems).manifest(obj);
    if (!problems.isEmpty()) {
      throw new ManifestException(problems);
    }
    return m;
  }

  /** One parse: the problems found so far and the field readers. */
  private final class Run {
    private final List<ManifestProblem> problems;

    Run(List<ManifestProblem> problems) {
      this.problems = problems;
    }

    void problem(String path, String detail) {
      problems.add(new ManifestProblem(path, detail));
    }

    Manifest manifest(Json.Obj root) {
      Fields f = new Fields(root, "", TOP, Map.of());
      String id = id(f);
      String name = text(f, "name", false);
      String description = text(f, "description", true);
      List<DatasetSpec> datasets = datasets(f);
      AlgorithmSpec algorithm = algorithm(f);
      List<ResultConsumer> consumers = consumers(f);
      AgentConfig agent = agentConfig(f);
      if (!problems.isEmpty()) {
        return null;
      }
      try {
        return new Manifest(id, name, description, datasets, algorithm, consumers, agent);
      } catch (IllegalArgumentException e) {
        // Every invariant is checked above with a path; this is a safety net.
        problem("", e.getMessage());
        return null;
      }
    }

    // ---- top level ----

    private String id(Fields f) {
      Json.Value v = f.required("id");
      String id = v == null ? null : string(v, f.path("id"));
      if (id == null) {
        return null;
      }
      Optional<String> p = Manifest.idProblem(id);
      if (p.isPresent()) {
        problem(f.path("id"), p.get());
        return null;
      }
      return id;
    }

    private String text(Fields f, String field, boolean multiline) {
      Json.Value v = f.optional(field);
      if (v == null) {
        return "";
      }
      String s = string(v, f.path(field));
      if (s == null) {
        return null;
      }
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        boolean allowed = multiline && (c == '\n' || c == '\r' || c == '\t');
        if (Text.isControl(c) && !allowed) {
          problem(
              f.path(field),
              "must not contain control characters"
                  + (multiline ? " other than tab and line ends" : "")
                  + String.format(", found \\u%04x at character %d", (int) c, i + 1));
          return null;
        }
      }
      return s;
    }

    private List<DatasetSpec> datasets(Fields f) {
      Json.Value v = f.optional("datasets");
      if (v == null) {
        return List.of();
      }
      List<Json.Value> items = array(v, f.path("datasets"));
      if (items == null) {
        return null;
      }
      List<DatasetSpec> out = new ArrayList<>();
      Map<String, String> firstByName = new HashMap<>();
      boolean ok = true;
      for (int i = 0; i < items.size(); i++) {
        String path = Paths.element(f.path("datasets"), i);
        Json.Obj o = object(items.get(i), path);
        if (o == null) {
          ok = false;
          continue;
        }
        Fields d = new Fields(o, path, DATASET, KEY_ALIASES);
        Sha3Hash hash = hash(d, "hash");
        PublicKeyPem key = publicKey(d, "userKey");
        String filename = filename(d, firstByName);
        Boolean decompress = bool(d, "decompress");
        if (hash == null || key == null || filename == null || decompress == null) {
          ok = false;
          continue;
        }
        out.add(new DatasetSpec(hash, key, filename, decompress));
      }
      return ok ? out : null;
    }

    private String filename(Fields d, Map<String, String> firstByName) {
      Json.Value v = d.required("filename");
      String name = v == null ? null : string(v, d.path("filename"));
      if (name == null) {
        return null;
      }
      Optional<String> p = DatasetSpec.filenameProblem(name);
      if (p.isPresent()) {
        problem(d.path("filename"), p.get());
        return null;
      }
      String first = firstByName.putIfAbsent(name, d.path);
      if (first != null) {
        problem(
            d.path("filename"),
            Text.quote(name)
                + " is already the file name of "
                + first
                + ": each dataset needs its own file name");
        return null;
      }
      return name;
    }

    private AlgorithmSpec algorithm(Fields f) {
      Json.Value v = f.required("algorithm");
      if (v == null) {
        return null;
      }
      Json.Obj o = object(v, f.path("algorithm"));
      if (o == null) {
        return null;
      }
      Fields a = new Fields(o, f.path("algorithm"), ALGORITHM, ALGORITHM_ALIASES);
      Sha3Hash hash = hash(a, "hash");
      PublicKeyPem key = publicKey(a, "userKey");
      String type = algorithmType(a);
      List<String> args = args(a);
      if (hash == null || key == null || type == null || args == null) {
        return null;
      }
      return new AlgorithmSpec(hash, key, type, args);
    }

    private String algorithmType(Fields a) {
      Json.Value v = a.optional("type");
      if (v == null) {
        return DEFAULT_ALGORITHM_TYPE;
      }
      String type = string(v, a.path("type"));
      if (type == null) {
        return null;
      }
      if (!algorithmTypes.contains(type)) {
        problem(
            a.path("type"),
            Text.quote(type)
                + " is not an algorithm type this agent runs: use one of "
                + String.join(", ", new TreeSet<>(algorithmTypes)));
        return null;
      }
      return type;
    }

    private List<String> args(Fields a) {
      Json.Value v = a.optional("args");
      if (v == null) {
        return List.of();
      }
      List<Json.Value> items = array(v, a.path("args"));
      if (items == null) {
        return null;
      }
      List<String> args = new ArrayList<>();
      boolean ok = true;
      for (int i = 0; i < items.size(); i++) {
        String path = Paths.element(a.path("args"), i);
        String s = string(items.get(i), path);
        if (s == null) {
          ok = false;
        } else if (s.indexOf('\0') >= 0) {
          problem(path, "must not contain a NUL character: no program can receive it");
          ok = false;
        } else {
          args.add(s);
        }
      }
      return ok ? args : null;
    }

    private List<ResultConsumer> consumers(Fields f) {
      String path = f.path("result_consumers");
      Json.Value v = f.required("result_consumers");
      if (v == null) {
        return null;
      }
      List<Json.Value> items = array(v, path);
      if (items == null) {
        return null;
      }
      if (items.isEmpty()) {
        problem(path, "must name at least one consumer: nobody could download the results");
        return null;
      }
      List<ResultConsumer> out = new ArrayList<>();
      Map<PublicKeyPem, String> firstByKey = new HashMap<>();
      boolean ok = true;
      for (int i = 0; i < items.size(); i++) {
        String itemPath = Paths.element(path, i);
        Json.Obj o = object(items.get(i), itemPath);
        if (o == null) {
          ok = false;
          continue;
        }
        Fields c = new Fields(o, itemPath, CONSUMER, KEY_ALIASES);
        PublicKeyPem key = publicKey(c, "userKey");
        if (key == null) {
          ok = false;
          continue;
        }
        String first = firstByKey.putIfAbsent(key, itemPath);
        if (first != null) {
          problem(c.path("userKey"), "is the same key as " + first + ": name each consumer once");
          ok = false;
          continue;
        }
        out.add(new ResultConsumer(key));
      }
      return ok ? out : null;
    }

    // ---- agent_config ----

    private AgentConfig agentConfig(Fields f) {
      Json.Value v = f.optional("agent_config");
      if (v == null) {
        return AgentConfig.DEFAULTS;
      }
      Json.Obj o = object(v, f.path("agent_config"));
      if (o == null) {
        return null;
      }
      Fields a = new Fields(o, f.path("agent_config"), AGENT, Map.of());
      Integer port = port(a);
      Optional<String> certText = pemText(a, "cert_file");
      Optional<String> keyText = pemText(a, "key_file");
      Optional<String> serverCaText = pemText(a, "server_ca_file");
      Optional<String> clientCaText = pemText(a, "client_ca_file");
      Boolean attested = bool(a, "attested_tls");

      KeyMaterial.Certificates cert = certificates(a, "cert_file", certText);
      KeyMaterial.PrivateKeyPem key = null;
      if (keyText != null && keyText.isPresent()) {
        try {
          key = KeyMaterial.privateKey(keyText.get());
        } catch (KeyMaterial.BadMaterialException e) {
          problem(a.path("key_file"), e.getMessage());
        }
      }
      KeyMaterial.Certificates serverCa = certificates(a, "server_ca_file", serverCaText);
      KeyMaterial.Certificates clientCa = certificates(a, "client_ca_file", clientCaText);

      boolean hasCert = certText != null && certText.isPresent();
      boolean hasKey = keyText != null && keyText.isPresent();
      boolean ok =
          port != null
              && certText != null
              && keyText != null
              && serverCaText != null
              && clientCaText != null
              && attested != null
              && (cert != null || !hasCert)
              && (key != null || !hasKey)
              && (serverCa != null || serverCaText.isEmpty())
              && (clientCa != null || clientCaText.isEmpty());
      if (hasCert && !hasKey && keyText != null) {
        problem(a.path("cert_file"), "is given without key_file: TLS needs both");
        ok = false;
      }
      if (hasKey && !hasCert && certText != null) {
        problem(a.path("key_file"), "is given without cert_file: TLS needs both");
        ok = false;
      }
      if (cert != null && key != null && !KeyMaterial.belongsTo(key.pair(), cert.chain().get(0))) {
        problem(a.path("key_file"), "is not the private key of the first certificate in cert_file");
        ok = false;
      }
      if (clientCaText != null
          && clientCaText.isPresent()
          && !hasCert
          && Boolean.FALSE.equals(attested)) {
        problem(
            a.path("client_ca_file"),
            "client certificates need TLS: also set cert_file and key_file, or attested_tls");
        ok = false;
      }
      if (!ok) {
        return null;
      }
      return new AgentConfig(
          port,
          Optional.ofNullable(cert).map(KeyMaterial.Certificates::pem),
          Optional.ofNullable(key).map(KeyMaterial.PrivateKeyPem::pem),
          Optional.ofNullable(serverCa).map(KeyMaterial.Certificates::pem),
          Optional.ofNullable(clientCa).map(KeyMaterial.Certificates::pem),
          attested);
    }

    private Integer port(Fields a) {
      String path = a.path("port");
      Json.Value v = a.optional("port");
      if (v == null) {
        return 0;
      }
      BigInteger n;
      if (v instanceof Json.Num num) {
        if (!num.integral()) {
          problem(path, "expected an integer, found a number with a fraction or exponent");
          return null;
        }
        n = new BigInteger(num.text());
      } else if (v instanceof Json.Str s && s.value().matches("[0-9]+")) {
        n = new BigInteger(s.value()); // CocosAI writes the port as a string
      } else if (v instanceof Json.Str s) {
        problem(path, "expected an integer, found the string " + Text.quote(s.value()));
        return null;
      } else {
        problem(path, "expected an integer, found " + v.kind());
        return null;
      }
      if (n.signum() < 0 || n.compareTo(BigInteger.valueOf(AgentConfig.MAX_PORT)) > 0) {
        problem(
            path,
            "must be 1-"
                + AgentConfig.MAX_PORT
                + ", or 0 for the agent's default port; found "
                + shorten(n.toString()));
        return null;
      }
      return n.intValue();
    }

    /** The text of an optional PEM field: empty if absent, null, or ""; null on a type error. */
    private Optional<String> pemText(Fields a, String field) {
      Json.Value v = a.optional(field);
      if (v == null) {
        return Optional.empty();
      }
      String s = string(v, a.path(field));
      if (s == null) {
        return null;
      }
      return s.isEmpty() ? Optional.empty() : Optional.of(s);
    }

    private KeyMaterial.Certificates certificates(Fields a, String field, Optional<String> text) {
      if (text == null || text.isEmpty()) {
        return null;
      }
      try {
        return KeyMaterial.certificates(text.get());
      } catch (KeyMaterial.BadMaterialException e) {
        problem(a.path(field), e.getMessage());
        return null;
      }
    }

    // ---- values ----

    private Sha3Hash hash(Fields f, String field) {
      Json.Value v = f.required(field);
      String hex = v == null ? null : string(v, f.path(field));
      if (hex == null) {
        return null;
      }
      try {
        return Sha3Hash.parse(hex);
      } catch (IllegalArgumentException e) {
        problem(f.path(field), e.getMessage());
        return null;
      }
    }

    private PublicKeyPem publicKey(Fields f, String field) {
      Json.Value v = f.required(field);
      String pem = v == null ? null : string(v, f.path(field));
      if (pem == null) {
        return null;
      }
      try {
        return KeyMaterial.publicKey(pem);
      } catch (KeyMaterial.BadMaterialException e) {
        problem(f.path(field), e.getMessage());
        return null;
      }
    }

    private Boolean bool(Fields f, String field) {
      Json.Value v = f.optional(field);
      if (v == null) {
        return false;
      }
      if (v instanceof Json.Bool b) {
        return b.value();
      }
      String hint =
          v instanceof Json.Str s && (s.value().equals("true") || s.value().equals("false"))
              ? " (write true or false without quotes)"
              : "";
      problem(f.path(field), "expected true or false, found " + v.kind() + hint);
      return null;
    }

    private String string(Json.Value v, String path) {
      if (v instanceof Json.Str s) {
        return s.value();
      }
      problem(path, "expected a string, found " + v.kind());
      return null;
    }

    private Json.Obj object(Json.Value v, String path) {
      if (v instanceof Json.Obj o) {
        return o;
      }
      problem(path, "expected an object, found " + v.kind());
      return null;
    }

    private List<Json.Value> array(Json.Value v, String path) {
      if (v instanceof Json.Arr a) {
        return a.items();
      }
      problem(path, "expected an array, found " + v.kind());
      return null;
    }

    /**
     * The members of one object, by canonical field name; reports unknown fields and two spellings
     * of one field.
     */
    private final class Fields {
      final String path;
      private final Map<String, Json.Value> values = new LinkedHashMap<>();
      private final Map<String, String> spelling = new HashMap<>();

      Fields(Json.Obj obj, String path, List<String> names, Map<String, String> aliases) {
        this.path = path;
        for (Map.Entry<String, Json.Value> e : obj.members().entrySet()) {
          String key = e.getKey();
          String canonical = names.contains(key) ? key : aliases.get(key);
          if (canonical == null) {
            List<String> candidates = new ArrayList<>(names);
            candidates.addAll(aliases.keySet());
            String guess = Text.closest(key, candidates);
            problem(
                path,
                "unknown field "
                    + Text.quote(key)
                    + (path.isEmpty() ? " at top level" : "")
                    + (guess == null ? "" : " (did you mean '" + guess + "'?)"));
            continue;
          }
          String earlier = spelling.putIfAbsent(canonical, key);
          if (earlier != null) {
            problem(
                path,
                "both "
                    + Text.quote(earlier)
                    + " and "
                    + Text.quote(key)
                    + " are given"
                    + (path.isEmpty() ? " at top level" : "")
                    + ": they name the same field, give it once");
            continue;
          }
          values.put(canonical, e.getValue());
        }
      }

      /** The path of a field, as the document spells it. */
      String path(String field) {
        return Paths.member(path, spelling.getOrDefault(field, field));
      }

      /** The value, or {@code null} (with a problem) when absent; JSON null is returned. */
      Json.Value required(String field) {
        Json.Value v = values.get(field);
        if (v == null) {
          problem(path(field), "required field is missing");
        }
        return v;
      }

      /** The value, or {@code null} when absent or JSON null. */
      Json.Value optional(String field) {
        Json.Value v = values.get(field);
        return v instanceof Json.Null ? null : v;
      }
    }
  }

  private static String shorten(String s) {
    return s.length() > 20 ? s.substring(0, 20) + "…" : s;
  }
}
