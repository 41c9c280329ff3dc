package ai.cocos.tee.snp;

import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.attestation.snp.SnpReport;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The SNP vectors of the shared folder, with the times the vectors README states. */
record SnpVectors(String dir, String signer, Instant at, boolean debug) {
  static final List<SnpVectors> ALL =
      List.of(
          new SnpVectors(
              "milan-v2-go-sev-guest", "vcek.der", Instant.parse("2025-01-01T00:00:00Z"), true),
          new SnpVectors(
              "milan-v2-trustee", "vcek.der", Instant.parse("2025-01-01T00:00:00Z"), false),
          new SnpVectors(
              "milan-v3-vlek-aws", "vlek.der", Instant.parse("2025-06-01T00:00:00Z"), false),
          new SnpVectors("genoa-v3-msft", "vcek.pem", Instant.parse("2026-06-01T00:00:00Z"), false),
          new SnpVectors(
              "turin-v5-msft", "vcek.pem", Instant.parse("2026-06-01T00:00:00Z"), false));

  static SnpVectors of(String dir) {
    return ALL.stream().filter(v -> v.dir.equals(dir)).findFirst().orElseThrow();
  }

  byte[] report() throws Exception {
    return Vectors.read("snp/" + dir + "/report.bin");
  }

  byte[] signerBytes() throws Exception {
    return Vectors.read("snp/" + dir + "/" + signer);
  }

  String attachment() {
    return signer.startsWith("vlek") ? "vlek" : "vcek";
  }

  Evidence evidence() throws Exception {
    return new Evidence("snp", report(), Map.of(attachment(), signerBytes()));
  }

  String measurement() throws Exception {
    return HexFormat.of().formatHex(SnpReport.parse(report()).measurement());
  }

  /** A policy pinning this vector's measurement, without CRL check (no CRL ships with them). */
  Policy policy() throws Exception {
    Map<String, Object> snp = new LinkedHashMap<>();
    snp.put("measurements", List.of(measurement()));
    snp.put("check_crl", false);
    snp.put("debug_allowed", debug);
    return new Policy("snp", Map.of("snp", snp));
  }

  VerificationRequest request(Evidence e, Policy p) {
    return new VerificationRequest(e, p, at, true);
  }

  static SnpProvider provider(Path cache) {
    return new SnpProvider(SnpSettings.defaults().withCollateralCache(cache));
  }
}
