package ai.cocos.cli;

import ai.cocos.api.computation.Manifest;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.attestation.Json;
import ai.cocos.manifest.ManifestCanonical;
import ai.cocos.tee.vtpm.ManifestPcr;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The {@code vtpm} policy of {@code attestation policy create vtpm}, from any of: evidence you
 * trust (its AK and boot PCRs), the EOS build's reference PCRs ({@code eos-measurements.json}), the
 * computation manifest whose PCR16 the agent extends ({@link ManifestPcr}), and AK fingerprints.
 */
final class AttestationVtpmPolicy {
  /** PCR banks and their digest sizes. */
  static final Map<String, Integer> BANKS =
      Map.of("sha1", 20, "sha256", 32, "sha384", 48, "sha512", 64);

  /** The largest EOS measurements file read. */
  static final int MAX_EOS_BYTES = 4 * 1024 * 1024;

  private static final HexFormat HEX = HexFormat.of();

  private AttestationVtpmPolicy() {}

  /**
   * Reference PCR values of an EOS image.
   *
   * @param pcrs bank to PCR index to its allowed values (lower-case hex)
   */
  record Eos(Map<String, Map<Integer, List<String>>> pcrs) {}

  /**
   * Reads {@code eos-measurements.json}: an object whose {@code pcrs} member maps banks ({@code
   * sha256}, ...) to objects of PCR index to a hex value or a list of them. Every other member (the
   * kernel command line, image digests, ...) is for people and ignored.
   *
   * @param file the file
   * @return the reference values
   * @throws Failure naming the file and the JSON path of what is wrong
   */
  static Eos readEos(Path file) throws Failure {
    String text =
        new String(
            LocalFiles.readBytes(file, "--eos-measurements " + file, MAX_EOS_BYTES),
            StandardCharsets.UTF_8);
    Object root;
    try {
      root = Json.parse(text);
    } catch (Json.JsonException e) {
      throw new Failure(file + ": not JSON: " + e.getMessage());
    }
    if (!(root instanceof Map<?, ?> top) || !(top.get("pcrs") instanceof Map<?, ?> banks)) {
      throw new Failure(
          file + ": no \"pcrs\" object (expected {\"pcrs\": {\"sha256\": {\"0\": \"<hex>\"}}})");
    }
    Map<String, Map<Integer, List<String>>> out = new TreeMap<>();
    for (Map.Entry<?, ?> b : banks.entrySet()) {
      String bank = String.valueOf(b.getKey()).toLowerCase(Locale.ROOT);
      Integer size = BANKS.get(bank);
      if (size == null) {
        throw new Failure(
            file + ": pcrs." + b.getKey() + ": not a PCR bank (sha1, sha256, sha384, sha512)");
      }
      if (!(b.getValue() instanceof Map<?, ?> indexes)) {
        throw new Failure(file + ": pcrs." + bank + ": expected an object of PCR index to hex");
      }
      Map<Integer, List<String>> values = new TreeMap<>();
      for (Map.Entry<?, ?> e : indexes.entrySet()) {
        String path = "pcrs." + bank + "." + e.getKey();
        int index;
        try {
          index = Integer.parseInt(String.valueOf(e.getKey()));
        } catch (NumberFormatException x) {
          index = -1;
        }
        if (index < 0 || index > 23) {
          throw new Failure(file + ": " + path + ": not a PCR index (0-23)");
        }
        List<Object> raw =
            e.getValue() instanceof List<?> l ? new ArrayList<>(l) : List.of(e.getValue());
        List<String> hex = new ArrayList<>();
        for (Object v : raw) {
          String h = String.valueOf(v).toLowerCase(Locale.ROOT);
          h = h.startsWith("0x") ? h.substring(2) : h;
          if (!(v instanceof String) || h.length() != 2 * size || !h.matches("[0-9a-f]+")) {
            throw new Failure(
                file + ": " + path + ": expected " + 2 * size + " hex digits, found " + v);
          }
          hex.add(h);
        }
        if (hex.isEmpty()) {
          throw new Failure(file + ": " + path + ": no value");
        }
        values.put(index, List.copyOf(new LinkedHashSet<>(hex)));
      }
      out.put(bank, values);
    }
    return new Eos(out);
  }

  /**
   * Builds the policy.
   *
   * @param template the policy written from trusted evidence, if {@code --from} was given
   * @param eos the EOS reference PCRs, if given
   * @param manifest the manifest whose PCR16 to pin, if given
   * @param banks the banks to pin; empty: the template's banks, else {@code sha256}
   * @param akKeys AK fingerprints to pin in addition to the template's
   * @param warnings where differences between the sources are reported
   * @return the policy
   * @throws Failure if it would pin no AK or no PCR of a requested bank
   */
  @SuppressWarnings("unchecked")
  static Policy build(
      Optional<Policy> template,
      Optional<Eos> eos,
      Optional<Manifest> manifest,
      List<String> banks,
      List<String> akKeys,
      PrintWriter warnings)
      throws Failure {
    Map<String, Object> vtpm =
        template
            .map(t -> new LinkedHashMap<>((Map<String, Object>) t.rules().get("vtpm")))
            .orElseGet(LinkedHashMap::new);
    Map<String, Map<Integer, List<String>>> fromEvidence = new TreeMap<>();
    Object tp = vtpm.get("pcrs");
    if (tp instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> b : m.entrySet()) {
        Map<Integer, List<String>> v = new TreeMap<>();
        ((Map<?, ?>) b.getValue())
            .forEach(
                (i, values) -> v.put(Integer.parseInt(String.valueOf(i)), (List<String>) values));
        fromEvidence.put(String.valueOf(b.getKey()), v);
      }
    }
    Set<String> chosen = new LinkedHashSet<>();
    for (String b : banks) {
      String bank = b.toLowerCase(Locale.ROOT);
      if (!BANKS.containsKey(bank)) {
        throw new Failure("--bank: '" + b + "' is not sha1, sha256, sha384 or sha512");
      }
      chosen.add(bank);
    }
    if (chosen.isEmpty()) {
      chosen.addAll(fromEvidence.isEmpty() ? Set.of("sha256") : fromEvidence.keySet());
    }
    Map<String, Object> pcrs = new LinkedHashMap<>();
    List<String> sources = new ArrayList<>();
    template.ifPresent(t -> sources.add("the given evidence"));
    eos.ifPresent(e -> sources.add("the EOS measurements"));
    for (String bank : chosen) {
      Map<Integer, List<String>> values = new TreeMap<>(fromEvidence.getOrDefault(bank, Map.of()));
      if (eos.isPresent()) {
        for (Map.Entry<Integer, List<String>> e :
            eos.get().pcrs().getOrDefault(bank, Map.of()).entrySet()) {
          if (e.getKey() == ManifestPcr.PCR) {
            warnings.println(
                "note: PCR16 of the EOS measurements is not pinned: it holds the computation"
                    + " manifest (give --manifest)");
            continue;
          }
          List<String> had = values.get(e.getKey());
          if (had != null && !had.equals(e.getValue())) {
            warnings.println(
                "note: "
                    + bank
                    + " PCR "
                    + e.getKey()
                    + ": the evidence has "
                    + String.join(", ", had)
                    + ", the EOS measurements "
                    + String.join(", ", e.getValue())
                    + "; the policy pins the EOS measurements");
          }
          values.put(e.getKey(), e.getValue());
        }
      }
      if (manifest.isPresent()) {
        if (!ManifestPcr.BANKS.contains(bank)) {
          throw new Failure(
              "--manifest: the agent measures the manifest into PCR16 of sha256 and sha384 only,"
                  + " not "
                  + bank);
        }
        byte[] canonical = ManifestCanonical.bytes(manifest.get());
        values.put(ManifestPcr.PCR, List.of(HEX.formatHex(ManifestPcr.expected(bank, canonical))));
      }
      if (values.isEmpty()) {
        throw new Failure(
            "no "
                + bank
                + " PCR to pin: "
                + (sources.isEmpty()
                    ? "give --from, --eos-measurements or --manifest"
                    : "neither " + String.join(" nor ", sources) + " has one"));
      }
      Map<String, Object> b = new LinkedHashMap<>();
      values.forEach((i, v) -> b.put(Integer.toString(i), v));
      pcrs.put(bank, b);
    }
    vtpm.put("pcrs", pcrs);
    if (!akKeys.isEmpty()) {
      Set<String> keys = new LinkedHashSet<>();
      Object had = vtpm.get("ak_keys");
      if (had instanceof List<?> l) {
        l.forEach(k -> keys.add(String.valueOf(k)));
      }
      for (String k : akKeys) {
        String h = k.toLowerCase(Locale.ROOT);
        if (!h.matches("[0-9a-f]{64}")) {
          throw new Failure(
              "--ak-key: '"
                  + k
                  + "' is not a SHA-256 in hex (the AK's fingerprint, as 'attestation validate'"
                  + " shows it in vtpm.ak.sha256)");
        }
        keys.add(h);
      }
      vtpm.put("ak_keys", List.copyOf(keys));
    }
    if (!vtpm.containsKey("ak_keys") && !vtpm.containsKey("ak_roots")) {
      throw new Failure(
          "the policy would pin no attestation key, and a quote under an unknown key proves"
              + " nothing: give --from EVIDENCE (pins the key it names) or --ak-key SHA256");
    }
    Map<String, Object> rules = new LinkedHashMap<>();
    StringBuilder d = new StringBuilder("written by `attestation policy create vtpm`");
    if (!sources.isEmpty()) {
      d.append(" from ").append(String.join(" and ", sources));
    }
    manifest.ifPresent(
        m ->
            d.append("; PCR16 = manifest '")
                .append(m.id())
                .append("' (SHA3-256 of its canonical form ")
                .append(HEX.formatHex(ManifestPcr.digest("sha256", ManifestCanonical.bytes(m))))
                .append(")"));
    d.append("; pin the nonce per request (attestation validate --nonce)");
    rules.put("description", d.toString());
    rules.put("vtpm", vtpm);
    return new Policy(TeeProvider.VTPM, rules);
  }
}
