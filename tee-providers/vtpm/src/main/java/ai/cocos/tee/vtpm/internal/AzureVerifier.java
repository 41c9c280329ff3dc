package ai.cocos.tee.vtpm.internal;

import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.Verdict.Finding;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.attestation.Evaluation;
import ai.cocos.attestation.PolicyRules;
import ai.cocos.attestation.PolicySchema;
import ai.cocos.tee.vtpm.VtpmAttachments;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Verifies the Azure confidential-VM forms, where the vTPM is bound to the hardware: the HCL
 * report's runtime data names the vTPM attestation key and its hash is the hardware report's report
 * data, so a valid SEV-SNP report (or TDX quote) vouches for the AK, and the AK's quote vouches for
 * the PCRs.
 *
 * <p>The hardware evidence is verified by the SEV-SNP or TDX provider, found through a lookup
 * (plugins never depend on each other): its findings join the verdict with the prefix {@code snp.}
 * or {@code tdx.}. A missing provider fails the verdict. Stateless and thread-safe.
 */
public final class AzureVerifier {
  private static final HexFormat HEX = HexFormat.of();

  private AzureVerifier() {}

  /**
   * Verifies.
   *
   * @param platform {@code azure-snp-vtpm} or {@code azure-tdx-vtpm}
   * @param request evidence, policy, time
   * @param providers finds the provider of a platform ({@code snp}, {@code tdx})
   * @return the verdict
   */
  public static Verdict verify(
      String platform,
      VerificationRequest request,
      Function<String, Optional<TeeProvider>> providers) {
    Evaluation ev = Evaluation.start(platform, request.policy(), Set.of(platform));
    try {
      run(ev, platform, request, providers);
    } catch (RuntimeException e) {
      ev.fail(
          "verification",
          "a completed verification",
          "internal error",
          "verification failed: " + e);
    }
    return ev.verdict();
  }

  private static void run(
      Evaluation ev,
      String platform,
      VerificationRequest request,
      Function<String, Optional<TeeProvider>> providers) {
    boolean snp = PolicySchema.AZURE_SNP_VTPM.equals(platform);
    String hw = snp ? TeeProvider.SEV_SNP : TeeProvider.TDX;
    Evidence evidence = request.evidence();
    if (!platform.equals(evidence.platform())) {
      ev.fail(
          "evidence.platform",
          platform,
          evidence.platform(),
          "the evidence is for platform " + evidence.platform() + ", not " + platform);
      return;
    }
    HclReport hcl;
    try {
      hcl = HclReport.parse(evidence.report());
    } catch (MalformedException e) {
      ev.fail("azure.hcl_report", "an Azure HCL report", "malformed", e.getMessage());
      return;
    }
    int wantType = snp ? HclReport.TYPE_SNP : HclReport.TYPE_TDX;
    if (!ev.check(
        "azure.hcl_report.type",
        hcl.reportType() == wantType,
        snp ? "2 (SEV-SNP)" : "4 (TDX)",
        Integer.toString(hcl.reportType()),
        hcl.reportType() == wantType
            ? "the HCL report holds a " + (snp ? "SEV-SNP report" : "TD report")
            : "the HCL report holds another kind of hardware report than "
                + platform
                + " evidence has")) {
      return;
    }

    // The binding: H(runtime data) is the prefix of the hardware report's report data.
    byte[] hash = hcl.runtimeDataHash();
    byte[] reportData = hcl.hardwareReportData();
    boolean bound = MessageDigest.isEqual(hash, Arrays.copyOf(reportData, hash.length));
    ev.check(
        "azure.runtime_data",
        bound,
        hcl.hashName() + "(runtime data) = " + HEX.formatHex(hash),
        "report data " + HEX.formatHex(reportData),
        bound
            ? "the hardware report binds the runtime data (and the vTPM key in it)"
            : "the runtime data's hash is not the hardware report's report data: the runtime data"
                + " (and its vTPM key) is not the one the hardware attested");
    ev.claim(
        "azure.runtime_data." + hcl.hashName().toLowerCase().replace("-", ""), HEX.formatHex(hash));

    RuntimeData runtime = null;
    try {
      runtime = RuntimeData.parse(hcl.runtimeData());
      ev.pass(
          "azure.ak",
          "an RSA HCLAkPub key in the runtime data",
          "RSA key " + ai.cocos.attestation.Certs.sha256(runtime.akPub().getEncoded()),
          "the runtime data names the vTPM attestation key");
      runtime.vmUniqueId().ifPresent(id -> ev.claim("azure.vm_unique_id", id));
      runtime.userData().ifPresent(u -> ev.claim("azure.user_data", HEX.formatHex(u)));
    } catch (MalformedException e) {
      ev.fail("azure.ak", "an RSA HCLAkPub key in the runtime data", "unusable", e.getMessage());
    }

    // The vTPM quote under that key.
    QuoteEvaluation quotes = new QuoteEvaluation(ev);
    Map<String, byte[]> att = evidence.attachments();
    try {
      byte[] q = QuoteBundle.required(att, VtpmAttachments.TPM_QUOTE);
      RawQuote raw =
          QuoteBundle.quote(
              q,
              att,
              VtpmAttachments.SIGNATURE,
              VtpmAttachments.SIGNATURE_RAW,
              PcrValues.parseCached(QuoteBundle.required(att, VtpmAttachments.PCRS)));
      Optional<java.security.PublicKey> ak =
          runtime == null ? Optional.empty() : Optional.of(runtime.akPub());
      ak.ifPresent(k -> QuoteEvaluation.akClaims(ev, k, Optional.empty()));
      quotes.quotes(List.of(raw), ak, Optional.empty());
      quotes.eventLog(Optional.ofNullable(att.get(VtpmAttachments.EVENT_LOG)));
    } catch (MalformedException e) {
      ev.fail(
          "evidence", "the vTPM quote, its signature and PCR values", "malformed", e.getMessage());
    }

    // The hardware evidence, through its own provider.
    delegate(ev, snp, hw, hcl, hash, request, providers);
    ev.emulation(false, request.policy());

    if (!ev.policyUsable()) {
      return;
    }
    PolicyRules top = PolicyRules.of(request.policy());
    ev.unknownRules(
        top, Set.of("allow_emulated", "description", "report_data", "vtpm", snp ? "snp" : "tdx"));
    if (top.has(PolicySchema.REPORT_DATA)) {
      // The guest's own report data travels as the runtime data's user-data (64 bytes).
      if (runtime == null || runtime.userData().isEmpty()) {
        ev.fail(
            PolicySchema.REPORT_DATA,
            HEX.formatHex(top.hex(PolicySchema.REPORT_DATA).get()),
            "no user-data",
            "the policy pins report data but the runtime data carries no user-data");
      } else {
        ev.reportData(top, runtime.userData().get());
      }
    }
    Optional<PolicyRules> vtpm = top.section(PolicySchema.VTPM);
    if (vtpm.isPresent() && runtime != null) {
      quotes.policy(
          vtpm.get(),
          runtime.akPub(),
          Optional.empty(),
          List.of(),
          request.evidence().attachments(),
          request.at(),
          true);
    } else if (vtpm.isEmpty()) {
      byte[] extra = quotes.primary().map(TpmsAttest::extraData).orElse(new byte[0]);
      ev.pass(
          "vtpm.nonce",
          "not pinned",
          HEX.formatHex(extra),
          "the policy pins no vTPM nonce or PCRs: the quote may be a replay; pin vtpm.nonce");
    }
  }

  private static void delegate(
      Evaluation ev,
      boolean snp,
      String hw,
      HclReport hcl,
      byte[] runtimeHash,
      VerificationRequest request,
      Function<String, Optional<TeeProvider>> providers) {
    String prefix = hw + ".";
    Optional<TeeProvider> provider;
    try {
      provider = providers.apply(hw);
    } catch (RuntimeException e) {
      provider = Optional.empty();
    }
    if (provider.isEmpty()) {
      ev.fail(
          prefix + "provider",
          "the " + (snp ? "SEV-SNP" : "TDX") + " provider (platform " + hw + ")",
          "not available",
          "the "
              + (snp ? "SEV-SNP" : "TDX")
              + " provider is not installed, so the hardware report cannot be verified: add"
              + " tee-providers/"
              + (snp ? "sev-snp" : "tdx"));
      return;
    }
    Map<String, byte[]> att = request.evidence().attachments();
    Map<String, byte[]> passed = new LinkedHashMap<>();
    String attPrefix = snp ? VtpmAttachments.SNP_PREFIX : VtpmAttachments.TDX_PREFIX;
    att.forEach(
        (k, v) -> {
          if (k.startsWith(attPrefix) && k.length() > attPrefix.length()) {
            passed.put(k.substring(attPrefix.length()), v);
          }
        });
    byte[] report;
    if (snp) {
      report = hcl.hardwareReport();
    } else {
      report = att.get(VtpmAttachments.TD_QUOTE);
      if (report == null) {
        ev.fail(
            "azure.td_quote",
            "the TDX quote over the TD report",
            "none",
            "the evidence has no td_quote: the TD report in the HCL report is only MACed, a quote"
                + " is needed to verify it");
        return;
      }
      // The TD report is MACed for this CPU only; its report data must still agree.
      ev.check(
          "azure.td_report.report_data",
          MessageDigest.isEqual(
              runtimeHash, Arrays.copyOf(hcl.hardwareReportData(), runtimeHash.length)),
          HEX.formatHex(runtimeHash),
          HEX.formatHex(hcl.hardwareReportData()),
          "the TD report in the HCL report carries the runtime data's hash");
    }
    Map<String, Object> rules = new LinkedHashMap<>();
    Object section = request.policy().rules().get(hw);
    Map<String, Object> s =
        section instanceof Map<?, ?> m ? new LinkedHashMap<>(castMap(m)) : new LinkedHashMap<>();
    // The measurement may be left to vtpm.pcrs in an Azure policy; the hardware provider still
    // needs one, so the report's own is pinned and everything else is checked.
    String measurementKey = snp ? "measurements" : "mrtd";
    if (!s.containsKey(measurementKey)) {
      byte[] own = snp ? hcl.snpMeasurement() : hcl.tdMrtd();
      s.put(measurementKey, List.of(HEX.formatHex(own)));
      ev.pass(
          prefix + measurementKey,
          "not pinned (the policy pins vtpm.pcrs)",
          HEX.formatHex(own),
          "the hardware measurement is not pinned by the policy; the vTPM PCRs are");
    }
    rules.put(hw, s);
    byte[] expected = Arrays.copyOf(runtimeHash, 64);
    rules.put(PolicySchema.REPORT_DATA, HEX.formatHex(expected));
    Verdict v;
    try {
      v =
          provider
              .get()
              .verify(
                  new VerificationRequest(
                      new Evidence(hw, report, passed),
                      new Policy(hw, rules),
                      request.at(),
                      request.offline()));
    } catch (RuntimeException e) {
      ev.fail(
          prefix + "verification",
          "a verdict from the " + hw + " provider",
          "exception",
          "the " + hw + " provider failed: " + e);
      return;
    }
    if (v.findings().isEmpty()) {
      ev.fail(
          prefix + "verification", "findings", "none", "the " + hw + " provider proved nothing");
    }
    for (Finding f : v.findings()) {
      String rule = f.rule().startsWith(prefix) ? f.rule() : prefix + f.rule();
      ev.check(rule, f.passed(), f.expected(), f.found(), f.message());
    }
    if (v.emulated()) {
      ev.fail(
          prefix + "emulated",
          "a real " + hw + " report",
          Evaluation.EMULATED_TEXT,
          "the hardware report is " + Evaluation.EMULATED_TEXT);
    }
    v.claims().forEach((k, val) -> ev.claim(k.startsWith(prefix) ? k : prefix + k, val));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> castMap(Map<?, ?> m) {
    return (Map<String, Object>) m;
  }
}
