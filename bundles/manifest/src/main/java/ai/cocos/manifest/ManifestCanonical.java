package ai.cocos.manifest;

import ai.cocos.api.computation.AgentConfig;
import ai.cocos.api.computation.AlgorithmSpec;
import ai.cocos.api.computation.DatasetSpec;
import ai.cocos.api.computation.Manifest;
import ai.cocos.api.computation.PublicKeyPem;
import ai.cocos.api.computation.ResultConsumer;
import ai.cocos.manifest.internal.JsonText;
import ai.cocos.manifest.internal.KeyMaterial;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The canonical form of a manifest: deterministic UTF-8 JSON that is hashed to measure the manifest
 * and signed by its owner. Two manifests have the same canonical bytes exactly when they are equal,
 * whatever key order, whitespace or PEM line wrapping their JSON had.
 *
 * <h2>Format (version 1)</h2>
 *
 * <p>JSON serialised as RFC 8785 (JCS) does: object members sorted by name in UTF-16 code unit
 * order, no whitespace outside strings, strings escaped minimally ({@code \"}, {@code \\}, {@code
 * \b \t \n \f \r}, other characters below U+0020 as {@code \}{@code u00xx} in lower case, all else
 * literal), the port as a plain decimal integer, the whole encoded as UTF-8. Every member is always
 * present; absent optional values are {@code null}. Arrays keep manifest order. The members are:
 *
 * <pre>{@code
 * {"agent_config":{"attested_tls":BOOL,"cert_file":PEM|null,"client_ca_file":PEM|null,
 *                  "key_file_public_key":PEM|null,"port":INT,"server_ca_file":PEM|null},
 *  "algorithm":{"args":[STRING...],"hash":HEX,"type":STRING,"userKey":PEM},
 *  "datasets":[{"decompress":BOOL,"filename":STRING,"hash":HEX,"userKey":PEM}...],
 *  "description":STRING,"id":STRING,"name":STRING,
 *  "result_consumers":[{"userKey":PEM}...]}
 * }</pre>
 *
 * <p>(shown wrapped; the real form is one line). {@code HEX} is 64 lower-case hex digits. {@code
 * PEM} is the standard PEM text of the DER: for keys one {@code PUBLIC KEY} (SPKI) block, for
 * certificates one {@code CERTIFICATE} block per certificate in order; base64 in lines of 64
 * characters, each line ended by {@code \n}. The agent's private key is not included: {@code
 * key_file_public_key} is the standard PEM of its public half (SubjectPublicKeyInfo). That binds
 * the key without revealing it and without depending on how it was encoded (PKCS#8, SEC1, PKCS#1
 * encodings of one key differ, their public halves do not), so the canonical form is safe to show
 * and log. For a parsed manifest it is the public key of the first certificate in {@code
 * cert_file}.
 */
public final class ManifestCanonical {
  /** The version of the canonical form described above. */
  public static final int VERSION = 1;

  private ManifestCanonical() {}

  /**
   * The canonical bytes of a manifest.
   *
   * @param manifest the manifest
   * @return the UTF-8 bytes of the canonical JSON
   * @throws IllegalArgumentException if the manifest holds PEM text that does not parse (never the
   *     case for a manifest from {@link ManifestParser})
   */
  public static byte[] bytes(Manifest manifest) {
    return text(manifest).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The canonical JSON of a manifest as text.
   *
   * @param manifest the manifest
   * @return the canonical JSON, one line
   * @throws IllegalArgumentException if the manifest holds PEM text that does not parse
   */
  public static String text(Manifest manifest) {
    Objects.requireNonNull(manifest, "manifest");
    Map<String, Object> top = new HashMap<>();
    top.put("id", manifest.id());
    top.put("name", manifest.name());
    top.put("description", manifest.description());
    List<Object> datasets = new ArrayList<>();
    for (DatasetSpec d : manifest.datasets()) {
      Map<String, Object> m = new HashMap<>();
      m.put("decompress", d.decompress());
      m.put("filename", d.filename());
      m.put("hash", d.hash().hex());
      m.put("userKey", d.userKey().pem());
      datasets.add(m);
    }
    top.put("datasets", datasets);
    AlgorithmSpec a = manifest.algorithm();
    Map<String, Object> algorithm = new HashMap<>();
    algorithm.put("args", new ArrayList<Object>(a.args()));
    algorithm.put("hash", a.hash().hex());
    algorithm.put("type", a.type());
    algorithm.put("userKey", a.userKey().pem());
    top.put("algorithm", algorithm);
    List<Object> consumers = new ArrayList<>();
    for (ResultConsumer c : manifest.resultConsumers()) {
      Map<String, Object> m = new HashMap<>();
      m.put("userKey", c.userKey().pem());
      consumers.add(m);
    }
    top.put("result_consumers", consumers);
    top.put("agent_config", agentConfig(manifest.agentConfig()));
    return JsonText.canonical(top);
  }

  private static Map<String, Object> agentConfig(AgentConfig c) {
    Map<String, Object> m = new HashMap<>();
    m.put("attested_tls", c.attestedTls());
    m.put("cert_file", certificates(c.certPem(), "agent_config.cert_file"));
    m.put("client_ca_file", certificates(c.clientCaPem(), "agent_config.client_ca_file"));
    m.put("key_file_public_key", c.keyPem().map(ManifestCanonical::publicHalf).orElse(null));
    m.put("port", c.port());
    m.put("server_ca_file", certificates(c.serverCaPem(), "agent_config.server_ca_file"));
    return m;
  }

  private static String certificates(Optional<String> pem, String field) {
    if (pem.isEmpty()) {
      return null;
    }
    try {
      return KeyMaterial.normaliseCertificates(pem.get());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(field + ": " + e.getMessage(), e);
    }
  }

  private static String publicHalf(String pem) {
    try {
      byte[] spki = KeyMaterial.privateKey(pem).pair().getPublic().getEncoded();
      return PublicKeyPem.of(spki).pem();
    } catch (KeyMaterial.BadMaterialException e) {
      throw new IllegalArgumentException("agent_config.key_file: " + e.getMessage());
    }
  }
}
