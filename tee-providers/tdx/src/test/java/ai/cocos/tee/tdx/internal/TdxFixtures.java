package ai.cocos.tee.tdx.internal;

import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.attestation.ChainVerifier;
import ai.cocos.attestation.PolicyDocument;
import ai.cocos.attestation.PolicyException;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** Evidence and policies built from the shared vectors, and verdict helpers. */
final class TdxFixtures {
  static final Instant SPR_AT = Instant.parse("2023-07-01T01:00:00Z");
  static final Instant V5_AT = Instant.parse("2026-02-03T01:00:00Z");
  static final Instant PHALA_AT = Instant.parse("2025-07-01T00:00:00Z");
  static final Instant NO_MATCH_AT = Instant.parse("2026-03-01T00:00:00Z");
  static final Instant GCP_AT = Instant.parse("2025-01-01T00:00:00Z");

  private TdxFixtures() {}

  static TdxVerifier verifier() {
    return new TdxVerifier(Roots.intelSgxRootCa(), CollateralSource.NONE, new ChainVerifier(4096));
  }

  /** v4 Sapphire Rapids quote with its complete 2023 collateral (separate attachments). */
  static Evidence spr() {
    String d = "tdx/v4-spr-go-tdx-guest/";
    Map<String, byte[]> a = new HashMap<>();
    a.put(TdxCollateral.TCB_INFO, Vectors.read(d + "collateral/tcb_info.json"));
    a.put(
        TdxCollateral.TCB_INFO_ISSUER_CHAIN,
        Vectors.read(d + "collateral/tcb_info_issuer_chain.pem"));
    a.put(TdxCollateral.QE_IDENTITY, Vectors.read(d + "collateral/qe_identity.json"));
    a.put(TdxCollateral.PCK_CRL, Vectors.read(d + "collateral/pck_crl_platform.der"));
    a.put(TdxCollateral.ROOT_CA_CRL, Vectors.read(d + "collateral/root_ca_crl.der"));
    return new Evidence("tdx", Vectors.read(d + "quote.dat"), a);
  }

  /** v5 quote with its TCB info (signed under the 2025 TCB signing chain). */
  static Evidence v5() {
    Map<String, byte[]> a = new HashMap<>();
    a.put(TdxCollateral.TCB_INFO, Vectors.read("tdx/v5-go-tdx-guest/collateral/tcb_info.json"));
    a.put(
        TdxCollateral.TCB_INFO_ISSUER_CHAIN,
        Vectors.read("roots/intel/intel_sgx_tcb_signing_2025_chain.pem"));
    return new Evidence("tdx", Vectors.read("tdx/v5-go-tdx-guest/quote.dat"), a);
  }

  static Evidence phala() {
    return new Evidence(
        "tdx",
        Vectors.read("tdx/v4-phala-full-collateral/quote.dat"),
        Map.of(TdxCollateral.BUNDLE, Vectors.read("tdx/v4-phala-full-collateral/collateral.json")));
  }

  static Evidence noMatch() {
    return new Evidence(
        "tdx",
        Vectors.read("tdx/v5-phala-tcb-no-match/quote.dat"),
        Map.of(TdxCollateral.BUNDLE, Vectors.read("tdx/v5-phala-tcb-no-match/collateral.json")));
  }

  static Evidence gcp() {
    return new Evidence(
        "tdx",
        Vectors.read("tdx/v4-gcp-cos113-ccel/quote.dat"),
        Map.of(TdxVerifier.CCEL, Vectors.read("tdx/v4-gcp-cos113-ccel/ccel_data.bin")));
  }

  static Evidence azure() {
    return new Evidence("tdx", Vectors.read("tpm/azure-tdx-vtpm/td-quote.bin"), Map.of());
  }

  /** A policy pinning the quote's MRTD (and nothing else). */
  static Policy pinMrtd(Evidence e) {
    return policy("{\"platform\":\"tdx\",\"tdx\":{\"mrtd\":[\"" + mrtd(e) + "\"]}}");
  }

  static String mrtd(Evidence e) {
    try {
      return HexFormat.of().formatHex(QuoteParser.parse(e.report()).body().mrTd());
    } catch (QuoteFormatException x) {
      throw new AssertionError(x);
    }
  }

  static Policy policy(String json) {
    try {
      return PolicyDocument.parse(json);
    } catch (PolicyException e) {
      throw new AssertionError(e.getMessage(), e);
    }
  }

  static Verdict verify(TdxVerifier v, Evidence e, Policy p, Instant at) {
    return v.verify(new VerificationRequest(e, p, at, true));
  }

  static Set<String> failed(Verdict v) {
    return v.failures().stream()
        .map(Verdict.Finding::rule)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  static Verdict.Finding finding(Verdict v, String rule) {
    return v.findings().stream()
        .filter(f -> f.rule().equals(rule))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no finding " + rule + " in " + describe(v)));
  }

  static String describe(Verdict v) {
    return v.findings().stream()
        .map(
            f ->
                (f.passed() ? "  ok   " : "  FAIL ")
                    + f.rule()
                    + ": "
                    + f.message()
                    + " [expected "
                    + f.expected()
                    + "; found "
                    + f.found()
                    + "]")
        .collect(Collectors.joining("\n", "\n", "\n"));
  }

  static List<String> rules(Verdict v) {
    return v.findings().stream().map(Verdict.Finding::rule).toList();
  }
}
