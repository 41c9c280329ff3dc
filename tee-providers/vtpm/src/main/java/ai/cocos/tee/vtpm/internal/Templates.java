package ai.cocos.tee.vtpm.internal;

import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.Verdict.Finding;
import ai.cocos.attestation.Certs;
import ai.cocos.attestation.ChainException;
import ai.cocos.attestation.Evaluation;
import ai.cocos.attestation.PolicyDocument;
import ai.cocos.attestation.PolicyProblem;
import ai.cocos.tee.vtpm.AzureVtpmProvider;
import ai.cocos.tee.vtpm.VtpmAttachments;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** Builds the policies of {@link ai.cocos.tee.vtpm.VtpmPolicyTemplates}. */
public final class Templates {
  private static final HexFormat HEX = HexFormat.of();

  /** PCRs left out of templates: IMA (10) and the run-time/application PCRs (16-23). */
  static final String LEFT_OUT = "PCR10 (IMA) and PCRs 16-23 change at run time and are not pinned";

  private Templates() {}

  /**
   * A {@code vtpm} policy from vTPM evidence.
   *
   * @param evidence the evidence
   * @param at the time for the AK certificate chain
   * @param banks the banks to pin, each quoted; empty for the preferred quote's
   * @return the policy
   */
  public static Policy vtpm(Evidence evidence, Instant at, List<String> banks) {
    QuoteBundle b;
    Optional<TpmtPublic> akPublic = Optional.empty();
    PublicKey ak;
    try {
      b = QuoteBundle.decode(evidence);
      if (b.akPublic().isPresent()) {
        akPublic = Optional.of(TpmtPublic.parse(b.akPublic().get()));
        ak = akPublic.get().key();
      } else if (b.akSpki().isPresent()) {
        ak = QuoteBundle.publicKey(b.akSpki().get());
      } else if (b.akCert().isPresent()) {
        ak = b.akCert().get().getPublicKey();
      } else {
        throw new IllegalArgumentException("the evidence names no attestation key");
      }
    } catch (MalformedException e) {
      throw new IllegalArgumentException("the evidence is malformed: " + e.getMessage(), e);
    }
    Evaluation ev = new Evaluation(evidence.platform());
    QuoteEvaluation q = new QuoteEvaluation(ev);
    q.quotes(b.quotes(), Optional.of(ak), akPublic);
    q.eventLog(b.eventLog());
    refuseFailures(ev);
    Map<String, Object> vtpm = new LinkedHashMap<>();
    if (banks.isEmpty()) {
      vtpm.put("pcrs", pcrs(preferred(b.quotes()), ev));
    } else {
      Map<String, Object> all = new LinkedHashMap<>();
      for (String bank : banks) {
        all.putAll(pcrs(quoteOf(b.quotes(), TpmAlg.hashOf(bank)), ev));
      }
      vtpm.put("pcrs", all);
    }
    Optional<String> root = b.akCert().flatMap(c -> root(c, b.chain(), at));
    if (root.isPresent()) {
      vtpm.put("ak_roots", List.of(root.get()));
    } else {
      vtpm.put("ak_keys", List.of(Certs.sha256(ak.getEncoded())));
    }
    if (b.eventLog().isPresent()) {
      vtpm.put("event_log_required", Boolean.TRUE);
    }
    Map<String, Object> rules = new LinkedHashMap<>();
    rules.put(
        "description",
        "written from vtpm evidence by `attestation policy create`; "
            + LEFT_OUT
            + "; add vtpm.nonce per request");
    rules.put("vtpm", vtpm);
    return checked(new Policy(evidence.platform(), rules));
  }

  /**
   * An Azure policy from Azure evidence.
   *
   * @param evidence the evidence
   * @return the policy
   */
  public static Policy azure(Evidence evidence) {
    boolean snp = AzureVtpmProvider.AZURE_SNP_VTPM.equals(evidence.platform());
    HclReport hcl;
    RuntimeData runtime;
    RawQuote raw;
    try {
      hcl = HclReport.parse(evidence.report());
      runtime = RuntimeData.parse(hcl.runtimeData());
      Map<String, byte[]> att = evidence.attachments();
      raw =
          QuoteBundle.quote(
              QuoteBundle.required(att, VtpmAttachments.TPM_QUOTE),
              att,
              VtpmAttachments.SIGNATURE,
              VtpmAttachments.SIGNATURE_RAW,
              PcrValues.parse(QuoteBundle.required(att, VtpmAttachments.PCRS)));
    } catch (MalformedException e) {
      throw new IllegalArgumentException("the evidence is malformed: " + e.getMessage(), e);
    }
    if (hcl.reportType() != (snp ? HclReport.TYPE_SNP : HclReport.TYPE_TDX)) {
      throw new IllegalArgumentException(
          "the HCL report does not hold a " + (snp ? "SEV-SNP" : "TD") + " report");
    }
    Evaluation ev = new Evaluation(evidence.platform());
    byte[] hash = hcl.runtimeDataHash();
    ev.check(
        "azure.runtime_data",
        java.security.MessageDigest.isEqual(
            hash, java.util.Arrays.copyOf(hcl.hardwareReportData(), hash.length)),
        "",
        "",
        "the runtime data's hash is not the hardware report's report data");
    QuoteEvaluation q = new QuoteEvaluation(ev);
    q.quotes(List.of(raw), Optional.of(runtime.akPub()), Optional.empty());
    refuseFailures(ev);
    Map<String, Object> rules = new LinkedHashMap<>();
    rules.put(
        "description",
        "written from "
            + evidence.platform()
            + " evidence by `attestation policy create`; "
            + LEFT_OUT
            + "; add vtpm.nonce per request");
    rules.put("vtpm", Map.of("pcrs", pcrs(raw, ev)));
    if (snp) {
      rules.put("snp", Map.of("measurements", List.of(HEX.formatHex(hcl.snpMeasurement()))));
    } else {
      rules.put("tdx", Map.of("mrtd", List.of(HEX.formatHex(hcl.tdMrtd()))));
    }
    return checked(new Policy(evidence.platform(), rules));
  }

  private static void refuseFailures(Evaluation ev) {
    List<Finding> failed = ev.findings().stream().filter(f -> !f.passed()).toList();
    if (!failed.isEmpty()) {
      throw new IllegalArgumentException(
          "the evidence does not verify, so nothing is pinned: "
              + failed.stream()
                  .map(f -> f.rule() + ": " + f.message())
                  .collect(Collectors.joining("; ")));
    }
  }

  /** The quote of a bank. */
  private static RawQuote quoteOf(List<RawQuote> quotes, int bank) {
    for (RawQuote q : quotes) {
      try {
        List<PcrSelection> s = TpmsAttest.parse(q.attest()).pcrSelect();
        if (!s.isEmpty() && s.get(0).hash() == bank) {
          return q;
        }
      } catch (MalformedException e) {
        // checked before: every quote parsed
      }
    }
    throw new IllegalArgumentException(
        "the evidence quotes no "
            + TpmAlg.bankName(bank)
            + " PCRs (the agent's vTPM provider"
            + " quotes the banks of its 'banks' setting)");
  }

  /** The SHA-256 quote if there is one (the bank policies usually pin), else the first. */
  private static RawQuote preferred(List<RawQuote> quotes) {
    for (RawQuote q : quotes) {
      try {
        List<PcrSelection> s = TpmsAttest.parse(q.attest()).pcrSelect();
        if (!s.isEmpty() && s.get(0).hash() == TpmAlg.SHA256) {
          return q;
        }
      } catch (MalformedException e) {
        // checked before: every quote parsed
      }
    }
    return quotes.get(0);
  }

  /** A quote's PCRs of its first bank, boot chain only. */
  private static Map<String, Object> pcrs(RawQuote quote, Evaluation ev) {
    TpmsAttest a;
    try {
      a = TpmsAttest.parse(quote.attest());
    } catch (MalformedException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    PcrSelection sel = a.pcrSelect().get(0);
    Map<Integer, byte[]> values = quote.pcrs().get(sel.hash());
    Map<String, Object> bank = new LinkedHashMap<>();
    for (int i : new TreeMap<>(values).keySet()) {
      if (sel.indexes().contains(i) && i != 10 && i < 16) {
        bank.put(Integer.toString(i), List.of(HEX.formatHex(values.get(i))));
      }
    }
    if (bank.isEmpty()) {
      throw new IllegalArgumentException("the quote covers none of PCRs 0-9 and 11-15");
    }
    return Map.of(TpmAlg.bankName(sel.hash()), bank);
  }

  /** The root an AK certificate chains to (among evidence and shipped certificates), if any. */
  private static Optional<String> root(
      X509Certificate cert, List<X509Certificate> chain, Instant at) {
    List<X509Certificate> pool = new ArrayList<>(chain);
    pool.addAll(AkTrust.shipped());
    List<X509Certificate> roots =
        pool.stream()
            .filter(c -> c.getSubjectX500Principal().equals(c.getIssuerX500Principal()))
            .toList();
    try {
      List<X509Certificate> path = AkTrust.verify(cert, pool, roots, at);
      return Optional.of(Certs.sha256(path.get(path.size() - 1)));
    } catch (ChainException e) {
      return Optional.empty();
    }
  }

  private static Policy checked(Policy p) {
    List<PolicyProblem> problems = PolicyDocument.standard().validate(p);
    if (!problems.isEmpty()) {
      throw new IllegalStateException("template is not a valid policy: " + problems);
    }
    return p;
  }
}
