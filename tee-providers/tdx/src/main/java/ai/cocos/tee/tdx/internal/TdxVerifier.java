package ai.cocos.tee.tdx.internal;

import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.attestation.Certs;
import ai.cocos.attestation.ChainException;
import ai.cocos.attestation.ChainVerifier;
import ai.cocos.attestation.Ecdsa;
import ai.cocos.attestation.Evaluation;
import ai.cocos.attestation.Json;
import ai.cocos.attestation.PolicyRules;
import ai.cocos.attestation.PolicySchema;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Verifies TDX evidence against a policy, listing every rule checked. Follows Intel's DCAP Quote
 * Verification Library (spec "TDX DCAP Quote Verification", 4.1.2.4):
 *
 * <ol>
 *   <li>the quote parses (v4/v5, ECDSA P-256, TDX);
 *   <li>the attestation key signed header and body ({@code quote.signature});
 *   <li>the PCK chain reaches a pinned Intel SGX Root CA at the verification time ({@code
 *       pck.chain});
 *   <li>the PCK key signed the QE report ({@code qe_report.signature}), whose report data binds the
 *       attestation key and QE authentication data ({@code qe_report.binding});
 *   <li>the collateral: TCB info and QE identity signed by Intel's TCB signing chain and current;
 *       root CA and PCK CRLs signed, current and not listing the chain ({@code collateral.*});
 *   <li>the QE matches its identity, the TDX module its identity, and the platform's TCB status is
 *       one the policy accepts ({@code qe.identity}, {@code tdx_module.identity}, {@code
 *       tdx.accepted_tcb_status});
 *   <li>an attached CCEL event log replays to the quoted RTMRs ({@code event_log.replay});
 *   <li>the policy's {@code tdx} section and {@code report_data}.
 * </ol>
 *
 * <p>Never throws for bad evidence; thread-safe.
 */
public final class TdxVerifier {
  /** Policy platforms whose {@code tdx} section this verifier evaluates. */
  static final Set<String> POLICY_PLATFORMS = Set.of(TeeProvider.TDX, PolicySchema.AZURE_TDX_VTPM);

  /** Attachment: the CCEL event log (ACPI CCEL table's log area). */
  static final String CCEL = "ccel";

  /** The {@code tdx} rules this verifier evaluates. */
  static final Set<String> TDX_RULES =
      Set.of(
          "mrtd",
          "rtmrs",
          "mr_seam",
          "mr_signer_seam",
          "mr_config_id",
          "mr_owner",
          "mr_owner_config",
          "td_attributes",
          "xfam",
          "minimum_tee_tcb_svn",
          "minimum_qe_svn",
          "minimum_pce_svn",
          "qe_vendor_ids",
          "accepted_tcb_status",
          "debug_allowed",
          "roots",
          "check_crl",
          "event_log_required");

  private static final HexFormat HEX = HexFormat.of();
  private static final String PCK_CN = "Intel SGX PCK Certificate";
  private static final String TCB_SIGNING_CN = "Intel SGX TCB Signing";

  private final List<X509Certificate> roots;
  private final CollateralSource collateralSource;
  private final ChainVerifier chains;
  private final Memo<List<X509Certificate>> parsedChains = new Memo<>(256);
  private final Memo<Boolean> verifiedQeReports = new Memo<>(1024);
  private final Memo<Object> verifiedCollateral = new Memo<>(256);
  private final Memo<X509CRL> parsedCrls = new Memo<>(64);
  private final Memo<List<X509Certificate>> issuerChains = new Memo<>(64);
  private final Memo<PckExtensions> pckExtensions = new Memo<>(256);

  /**
   * Creates a verifier.
   *
   * @param roots the trusted Intel SGX Root CA certificates (the shipped one by default)
   * @param collateralSource where missing collateral comes from
   * @param chains the chain verifier (its cache remembers verified certificate signatures)
   */
  public TdxVerifier(
      List<X509Certificate> roots, CollateralSource collateralSource, ChainVerifier chains) {
    this.roots = List.copyOf(roots);
    this.collateralSource = collateralSource;
    this.chains = chains;
  }

  /** What verification learned, shared between the steps. */
  private static final class State {
    Quote quote;
    List<X509Certificate> pckChain;
    X509Certificate pck;
    PckExtensions ext;
    List<X509Certificate> anchors;
    TcbInfo tcbInfo;
    QeIdentity qeIdentity;
    boolean qeReportTrusted;
  }

  /**
   * Verifies evidence.
   *
   * @param request the evidence, policy, time and offline flag
   * @return the verdict
   */
  public Verdict verify(VerificationRequest request) {
    Evaluation ev = Evaluation.start(TeeProvider.TDX, request.policy(), POLICY_PLATFORMS);
    try {
      verify(request, ev);
    } catch (RuntimeException e) {
      // Fail closed on anything unforeseen; the evidence is what was malformed.
      ev.fail(
          "verification",
          "verification to complete",
          e.getClass().getSimpleName(),
          "verification stopped: " + e.getMessage());
    }
    return ev.verdict();
  }

  private void verify(VerificationRequest request, Evaluation ev) {
    Evidence evidence = request.evidence();
    Instant at = request.at();
    Optional<PolicyRules> top =
        ev.policyUsable() ? Optional.of(PolicyRules.of(request.policy())) : Optional.empty();
    Optional<PolicyRules> tdx = top.flatMap(t -> t.section(PolicySchema.TDX));
    if (!ev.check(
        "evidence.platform",
        TeeProvider.TDX.equals(evidence.platform()),
        TeeProvider.TDX,
        evidence.platform(),
        "evidence platform is " + evidence.platform())) {
      return;
    }
    State s = new State();
    try {
      s.quote = QuoteParser.parse(evidence.report());
    } catch (QuoteFormatException e) {
      ev.fail("quote.format", "a TDX DCAP quote v4 or v5", "malformed", e.getMessage());
      return;
    }
    Quote q = s.quote;
    ev.pass(
        "quote.format",
        "a TDX DCAP quote v4 or v5",
        "v"
            + q.header().version()
            + ", "
            + (q.body().bodyType() == QuoteFormat.BODY_TYPE_TD15 ? "TDX 1.5" : "TDX 1.0")
            + " body, "
            + q.length()
            + " bytes"
            + (q.trailing() > 0 ? " + " + q.trailing() + " unsigned padding bytes ignored" : ""),
        "the quote parses");
    claims(ev, q);

    PublicKey attestationKey = P256Keys.fromRaw(q.signature().attestationKey());
    boolean signed =
        attestationKey != null
            && Ecdsa.verifyP1363(attestationKey, q.signedBytes(), q.signature().signature());
    String key = Evaluation.shortHex(HEX.formatHex(q.signature().attestationKey()));
    ev.check(
        "quote.signature",
        signed,
        "ECDSA P-256 signature by the attestation key over header and body",
        Evaluation.shortHex(HEX.formatHex(q.signature().signature())),
        signed
            ? "the attestation key " + key + " signed header and body"
            : "the quote signature does not verify under the attestation key "
                + key
                + ": header or body were changed after signing");

    pckChain(ev, s, tdx, at);
    qeReport(ev, s);
    collateral(ev, s, evidence, tdx, at, request.offline());
    tcb(ev, s, tdx);
    eventLog(ev, s, evidence, tdx);
    if (top.isPresent()) {
      policy(ev, s, top.get(), tdx);
    }
  }

  private static void claims(Evaluation ev, Quote q) {
    TdReport b = q.body();
    ev.claim("quote_version", String.valueOf(q.header().version()));
    ev.claim("mrtd", HEX.formatHex(b.mrTd()));
    for (int i = 0; i < QuoteFormat.RTMR_COUNT; i++) {
      ev.claim("rtmr" + i, HEX.formatHex(b.rtmrs().get(i)));
    }
    ev.claim("report_data", HEX.formatHex(b.reportData()));
    ev.claim("mr_seam", HEX.formatHex(b.mrSeam()));
    ev.claim("mr_signer_seam", HEX.formatHex(b.mrSignerSeam()));
    ev.claim("mr_config_id", HEX.formatHex(b.mrConfigId()));
    ev.claim("mr_owner", HEX.formatHex(b.mrOwner()));
    ev.claim("mr_owner_config", HEX.formatHex(b.mrOwnerConfig()));
    ev.claim("td_attributes", HEX.formatHex(b.tdAttributes()));
    ev.claim("xfam", HEX.formatHex(b.xfam()));
    ev.claim("tee_tcb_svn", HEX.formatHex(b.teeTcbSvn()));
    if (b.teeTcbSvn2() != null) {
      ev.claim("tee_tcb_svn2", HEX.formatHex(b.teeTcbSvn2()));
      ev.claim("mr_servicetd", HEX.formatHex(b.mrServiceTd()));
    }
    ev.claim("debug", String.valueOf(b.debug()));
    ev.claim("qe_vendor_id", HEX.formatHex(q.header().qeVendorId()));
    ev.claim("qe_isv_svn", String.valueOf(q.signature().qeReport().isvSvn()));
  }

  // ---- PCK chain and QE report -------------------------------------------------------------

  private void pckChain(Evaluation ev, State s, Optional<PolicyRules> tdx, Instant at) {
    String rule = "pck.chain";
    String expected = "PCK leaf -> Intel SGX PCK Platform/Processor CA -> pinned Intel SGX Root CA";
    QuoteSignature sig = s.quote.signature();
    if (sig.certificationType() != QuoteFormat.CERT_TYPE_PCK_CHAIN) {
      ev.fail(
          rule,
          expected,
          "certification data type " + sig.certificationType(),
          "the quote carries certification data type "
              + sig.certificationType()
              + " instead of the PCK certificate chain (type 5); configure the quote provider to"
              + " embed the PCK chain");
      return;
    }
    List<X509Certificate> chain;
    try {
      chain = parseChain(sig.certificationData());
    } catch (QuoteFormatException e) {
      ev.fail(rule, expected, "unreadable chain", e.getMessage());
      return;
    } catch (ChainException e) {
      ev.fail(rule, expected, "unreadable chain", "PCK certificate chain: " + e.getMessage());
      return;
    }
    if (chain.size() != 3) {
      ev.fail(
          rule,
          expected,
          chain.size() + " certificates",
          "the PCK chain has " + chain.size() + " certificates, 3 expected (leaf, CA, root)");
      return;
    }
    s.anchors = anchors(tdx, chain.get(chain.size() - 1));
    String root = Certs.sha256(chain.get(chain.size() - 1));
    Optional<List<String>> pinned = tdx.flatMap(t -> t.hexList("roots"));
    if (pinned.isPresent()) {
      boolean listed = pinned.get().contains(root);
      ev.check(
          "tdx.roots",
          listed,
          Evaluation.listed(pinned.get()),
          root,
          listed
              ? "the PCK chain ends at a root the policy pins"
              : "the PCK chain ends at root SHA-256 "
                  + Evaluation.shortHex(root)
                  + ", which the policy's tdx.roots does not list");
    }
    if (s.anchors.isEmpty()) {
      ev.fail(
          rule,
          expected,
          "root " + Evaluation.shortHex(root),
          "no trusted root: the policy's tdx.roots lists neither a shipped Intel SGX Root CA nor"
              + " the root this chain ends at");
      return;
    }
    List<X509Certificate> path;
    try {
      path = chains.verify(chain, s.anchors, at);
    } catch (ChainException e) {
      ev.fail(rule, expected, "root " + Evaluation.shortHex(root), e.getMessage());
      return;
    }
    X509Certificate leaf = path.get(0);
    String leafCn = ChainVerifier.name(leaf);
    String caCn = ChainVerifier.name(path.get(1));
    if (!leafCn.contains(PCK_CN)
        || !(caCn.contains("Intel SGX PCK Platform CA")
            || caCn.contains("Intel SGX PCK Processor CA"))) {
      ev.fail(
          rule,
          expected,
          leafCn + " issued by " + caCn,
          "the chain verifies but is not a PCK chain (leaf CN must contain '"
              + PCK_CN
              + "', its issuer must be the PCK Platform or Processor CA)");
      return;
    }
    ev.pass(
        rule,
        expected,
        "valid at " + at + ", root SHA-256 " + root,
        "PCK certificate chain verifies to the pinned Intel SGX Root CA");
    s.pckChain = path;
    s.pck = leaf;
    try {
      byte[] leafDer = Certs.der(leaf);
      s.ext = pckExtensions.get(leafDer);
      if (s.ext == null) {
        s.ext = PckExtensions.of(leaf);
        pckExtensions.put(leafDer, s.ext);
      }
      ev.pass(
          "pck.extensions",
          "SGX extensions with FMSPC, PCE-ID and TCB",
          "FMSPC " + s.ext.fmspcHex() + ", PCESVN " + s.ext.pceSvn(),
          "PCK certificate SGX extensions read");
      ev.claim("fmspc", s.ext.fmspcHex());
      ev.claim("pce_svn", String.valueOf(s.ext.pceSvn()));
      ev.claim("pck_cpusvn", HEX.formatHex(s.ext.cpuSvn()));
    } catch (Der.DerException e) {
      ev.fail(
          "pck.extensions",
          "SGX extensions with FMSPC, PCE-ID and TCB",
          "malformed",
          "PCK certificate: " + e.getMessage());
    }
  }

  /** The roots chains may end at: pinned by the policy's {@code tdx.roots}, else the trusted. */
  private List<X509Certificate> anchors(Optional<PolicyRules> tdx, X509Certificate chainRoot) {
    Optional<List<String>> pinned = tdx.flatMap(t -> t.hexList("roots"));
    if (pinned.isEmpty()) {
      return roots;
    }
    List<X509Certificate> out = new ArrayList<>();
    for (X509Certificate c : roots) {
      if (pinned.get().contains(Certs.sha256(c))) {
        out.add(c);
      }
    }
    // A root the policy pins by hash is trusted even if not shipped (e.g. a test PKI).
    if (chainRoot != null
        && pinned.get().contains(Certs.sha256(chainRoot))
        && chainRoot.getSubjectX500Principal().equals(chainRoot.getIssuerX500Principal())
        && out.stream().noneMatch(c -> c.equals(chainRoot))) {
      out.add(chainRoot);
    }
    return out;
  }

  private List<X509Certificate> parseChain(byte[] pem) throws QuoteFormatException, ChainException {
    List<X509Certificate> cached = parsedChains.get(pem);
    if (cached != null) {
      return cached;
    }
    List<X509Certificate> out = new ArrayList<>();
    for (byte[] der : PemChain.decode(pem)) {
      out.add(Certs.parse(der));
    }
    List<X509Certificate> chain = List.copyOf(out);
    parsedChains.put(pem, chain);
    return chain;
  }

  private void qeReport(Evaluation ev, State s) {
    QuoteSignature sig = s.quote.signature();
    if (s.pck == null) {
      ev.fail(
          "qe_report.signature",
          "ECDSA P-256 signature by the PCK key over the QE report",
          "no verified PCK certificate",
          "the QE report cannot be checked without a verified PCK certificate");
    } else {
      // Cached by content: the QE report and its signature are the same for every quote of a
      // quoting enclave, so a warm verification re-checks only the quote's own signature.
      byte[] pckDer = Certs.der(s.pck);
      boolean ok =
          verifiedQeReports.get(sig.qeReport().raw(), sig.qeReportSignature(), pckDer) != null
              || Ecdsa.verifyP1363(
                  s.pck.getPublicKey(), sig.qeReport().raw(), sig.qeReportSignature());
      if (ok) {
        verifiedQeReports.put(
            new byte[][] {sig.qeReport().raw(), sig.qeReportSignature(), pckDer}, Boolean.TRUE);
      }
      ev.check(
          "qe_report.signature",
          ok,
          "ECDSA P-256 signature by the PCK key over the QE report",
          Evaluation.shortHex(HEX.formatHex(sig.qeReportSignature())),
          ok
              ? "the PCK key signed the QE report"
              : "the QE report signature does not verify under the PCK key");
      s.qeReportTrusted = ok;
    }
    byte[] bound = new byte[sig.attestationKey().length + sig.qeAuthData().length];
    System.arraycopy(sig.attestationKey(), 0, bound, 0, sig.attestationKey().length);
    System.arraycopy(
        sig.qeAuthData(), 0, bound, sig.attestationKey().length, sig.qeAuthData().length);
    byte[] want = P256Keys.sha256(bound);
    byte[] got = Arrays.copyOf(sig.qeReport().reportData(), want.length);
    boolean ok = MessageDigest.isEqual(want, got);
    ev.check(
        "qe_report.binding",
        ok,
        "QE report data[0:32] = SHA-256(attestation key || QE auth data) = " + HEX.formatHex(want),
        HEX.formatHex(got),
        ok
            ? "the QE report binds the attestation key"
            : "the QE report does not bind this attestation key: the quote was not produced by"
                + " this quoting enclave");
    s.qeReportTrusted &= ok;
  }

  // ---- TdxCollateral -------------------------------------------------------------------------

  private void collateral(
      Evaluation ev,
      State s,
      Evidence evidence,
      Optional<PolicyRules> tdx,
      Instant at,
      boolean offline) {
    TdxCollateral c = TdxCollateral.fromAttachments(evidence.attachments());
    if (s.ext != null) {
      collateralSource.complete(c, s.ext.fmspc(), pckCa(s), at, offline);
    }
    List<X509Certificate> anchors = s.anchors != null ? s.anchors : anchors(tdx, null);
    s.tcbInfo = tcbInfo(ev, s, c, anchors, at);
    s.qeIdentity = qeIdentity(ev, c, anchors, at);
    boolean checkCrl = tdx.map(t -> t.bool("check_crl", true)).orElse(true);
    if (!checkCrl) {
      ev.pass(
          "tdx.check_crl",
          "CRLs checked",
          "not checked",
          "the policy sets check_crl to false: revocation of the PCK chain is not checked");
      return;
    }
    rootCrl(ev, s, c, at);
    pckCrl(ev, s, c, at);
  }

  private static String pckCa(State s) {
    return ChainVerifier.name(s.pckChain.get(1)).contains("Processor") ? "processor" : "platform";
  }

  private TcbInfo tcbInfo(
      Evaluation ev, State s, TdxCollateral c, List<X509Certificate> anchors, Instant at) {
    String rule = "collateral.tcb_info";
    String expected = "Intel TDX TCB info signed by Intel SGX TCB Signing, current";
    TcbInfo info =
        signedAndCurrent(
            ev,
            rule,
            expected,
            c,
            c.tcbInfo,
            TdxCollateral.TCB_INFO,
            "the TDX TCB info for this FMSPC",
            TcbInfo::parse,
            "TCB info",
            anchors,
            at);
    if (info == null) {
      return null;
    }
    if (s.ext != null
        && (!info.fmspc().equalsIgnoreCase(s.ext.fmspcHex())
            || !info.pceId().equalsIgnoreCase(HEX.formatHex(s.ext.pceId())))) {
      ev.fail(
          rule,
          "TCB info for FMSPC " + s.ext.fmspcHex() + ", PCE-ID " + HEX.formatHex(s.ext.pceId()),
          "FMSPC " + info.fmspc() + ", PCE-ID " + info.pceId(),
          "the TCB info is for another platform (FMSPC/PCE-ID differ from the PCK certificate's)");
      return null;
    }
    ev.pass(
        rule,
        expected,
        "FMSPC "
            + info.fmspc()
            + ", evaluation data number "
            + info.tcbEvaluationDataNumber()
            + ", "
            + window(info)
            + " ("
            + c.tcbInfo.origin()
            + ")",
        "the TCB info is signed by Intel and current");
    ev.claim("tcb_evaluation_data_number", String.valueOf(info.tcbEvaluationDataNumber()));
    return info;
  }

  private QeIdentity qeIdentity(
      Evaluation ev, TdxCollateral c, List<X509Certificate> anchors, Instant at) {
    String rule = "collateral.qe_identity";
    String expected = "Intel TD_QE identity signed by Intel SGX TCB Signing, current";
    QeIdentity id =
        signedAndCurrent(
            ev,
            rule,
            expected,
            c,
            c.qeIdentity,
            TdxCollateral.QE_IDENTITY,
            "the TD quoting enclave identity",
            QeIdentity::parse,
            "QE identity",
            anchors,
            at);
    if (id == null) {
      return null;
    }
    ev.pass(
        rule,
        expected,
        window(id) + " (" + c.qeIdentity.origin() + ")",
        "the QE identity is signed by Intel and current");
    return id;
  }

  /** Intel collateral valid from its issue date until its next update. */
  interface Dated {
    /**
     * When Intel issued it.
     *
     * @return the issue date
     */
    Instant issueDate();

    /**
     * When Intel publishes the next one; it is stale after.
     *
     * @return the next update
     */
    Instant nextUpdate();
  }

  private static String window(Dated d) {
    return "issued " + d.issueDate() + ", next update " + d.nextUpdate();
  }

  /**
   * The collateral item present, signed by Intel (see {@link #verifySigned}) and current at the
   * verification time; otherwise a failed finding for the rule, and {@code null}.
   */
  @SuppressWarnings("unchecked")
  private <T extends Dated> T signedAndCurrent(
      Evaluation ev,
      String rule,
      String expected,
      TdxCollateral c,
      TdxCollateral.Signed signed,
      String attachment,
      String description,
      Parser parser,
      String what,
      List<X509Certificate> anchors,
      Instant at) {
    if (signed == null) {
      ev.fail(rule, expected, "missing", missing(c, attachment, description));
      return null;
    }
    T doc;
    try {
      doc = (T) verifySigned(signed, anchors, at, parser, what);
    } catch (CollateralFormatException e) {
      ev.fail(rule, expected, signed.origin(), e.getMessage());
      return null;
    }
    if (at.isBefore(doc.issueDate()) || at.isAfter(doc.nextUpdate())) {
      ev.fail(
          rule,
          expected,
          window(doc),
          "the "
              + what
              + " is "
              + (at.isBefore(doc.issueDate()) ? "not yet valid" : "expired")
              + " at "
              + at
              + " ("
              + window(doc)
              + "): fetch a current one");
      return null;
    }
    return doc;
  }

  private interface Parser {
    Object parse(Object json) throws CollateralFormatException;
  }

  /**
   * Verifies Intel-signed JSON: the issuer chain to a pinned root at the time, the signer is the
   * TCB Signing certificate, and its ECDSA P-256 signature over the exact signed text. The parsed
   * document is remembered by content (text, signature, signer certificate).
   */
  private Object verifySigned(
      TdxCollateral.Signed signed,
      List<X509Certificate> anchors,
      Instant at,
      Parser parser,
      String what)
      throws CollateralFormatException {
    if (signed.issuerChain() == null) {
      throw new CollateralFormatException(
          "the "
              + what
              + " from "
              + signed.origin()
              + " comes without its issuer chain (Intel SGX TCB Signing certificate): attach "
              + (what.equals("TCB info")
                  ? TdxCollateral.TCB_INFO_ISSUER_CHAIN
                  : TdxCollateral.QE_IDENTITY_ISSUER_CHAIN));
    }
    List<X509Certificate> chain;
    try {
      List<X509Certificate> issuers = issuerChains.get(signed.issuerChain());
      if (issuers == null) {
        issuers = Certs.read(signed.issuerChain());
        issuerChains.put(signed.issuerChain(), issuers);
      }
      chain = chains.verify(issuers, anchors, at);
    } catch (ChainException e) {
      throw new CollateralFormatException(what + " issuer chain: " + e.getMessage(), e);
    }
    X509Certificate signer = chain.get(0);
    if (!ChainVerifier.name(signer).contains(TCB_SIGNING_CN)) {
      throw new CollateralFormatException(
          what + " is signed by " + ChainVerifier.name(signer) + ", not by " + TCB_SIGNING_CN);
    }
    byte[] text = signed.text().getBytes(StandardCharsets.UTF_8);
    byte[] signerDer = Certs.der(signer);
    Object cached = verifiedCollateral.get(text, signed.signature(), signerDer);
    if (cached != null) {
      return cached;
    }
    if (!Ecdsa.verifyP1363(signer.getPublicKey(), text, signed.signature())) {
      throw new CollateralFormatException(
          "the "
              + what
              + " signature from "
              + signed.origin()
              + " does not verify under "
              + TCB_SIGNING_CN);
    }
    Object parsed;
    try {
      parsed = parser.parse(Json.parse(signed.text()));
    } catch (Json.JsonException e) {
      throw new CollateralFormatException(what + ": " + e.getMessage(), e);
    }
    verifiedCollateral.put(new byte[][] {text, signed.signature(), signerDer}, parsed);
    return parsed;
  }

  private void rootCrl(Evaluation ev, State s, TdxCollateral c, Instant at) {
    String rule = "collateral.root_ca_crl";
    String expected = "Intel SGX Root CA CRL, current, not listing the PCK CA";
    if (s.pckChain == null) {
      ev.fail(rule, expected, "no verified PCK chain", "revocation needs a verified PCK chain");
      return;
    }
    if (c.rootCrl == null) {
      ev.fail(rule, expected, "missing", missing(c, TdxCollateral.ROOT_CA_CRL, "the root CA CRL"));
      return;
    }
    X509Certificate root = s.pckChain.get(s.pckChain.size() - 1);
    try {
      X509CRL crl = crl(c.rootCrl.bytes());
      chains.verifyCrl(crl, root, at);
      ChainVerifier.checkNotRevoked(crl, s.pckChain.get(1));
      ev.pass(
          rule,
          expected,
          "this update "
              + crl.getThisUpdate().toInstant()
              + ", next update "
              + crl.getNextUpdate().toInstant()
              + ", "
              + count(crl)
              + " entries ("
              + c.rootCrl.origin()
              + ")",
          "the PCK CA is not revoked");
    } catch (ChainException e) {
      ev.fail(rule, expected, c.rootCrl.origin(), e.getMessage());
    }
  }

  private void pckCrl(Evaluation ev, State s, TdxCollateral c, Instant at) {
    String rule = "collateral.pck_crl";
    String expected = "PCK CA CRL, current, not listing the PCK certificate";
    if (s.pckChain == null) {
      ev.fail(rule, expected, "no verified PCK chain", "revocation needs a verified PCK chain");
      return;
    }
    if (c.pckCrl == null) {
      ev.fail(rule, expected, "missing", missing(c, TdxCollateral.PCK_CRL, "the PCK CRL"));
      return;
    }
    try {
      X509CRL crl = crl(c.pckCrl.bytes());
      chains.verifyCrl(crl, s.pckChain.get(1), at);
      ChainVerifier.checkNotRevoked(crl, s.pck);
      ev.pass(
          rule,
          expected,
          "this update "
              + crl.getThisUpdate().toInstant()
              + ", next update "
              + crl.getNextUpdate().toInstant()
              + ", "
              + count(crl)
              + " entries ("
              + c.pckCrl.origin()
              + ")",
          "the PCK certificate is not revoked");
    } catch (ChainException e) {
      ev.fail(rule, expected, c.pckCrl.origin(), e.getMessage());
    }
  }

  private static int count(X509CRL crl) {
    return crl.getRevokedCertificates() == null ? 0 : crl.getRevokedCertificates().size();
  }

  private X509CRL crl(byte[] bytes) throws ChainException {
    X509CRL cached = parsedCrls.get(bytes);
    if (cached != null) {
      return cached;
    }
    X509CRL crl = Certs.readCrl(bytes);
    parsedCrls.put(bytes, crl);
    return crl;
  }

  private static String missing(TdxCollateral c, String name, String what) {
    String problem = c.problems.get(name);
    if (problem != null) {
      return problem;
    }
    return what
        + " is not available: attach it as '"
        + name
        + "' (or '"
        + TdxCollateral.BUNDLE
        + "'), import an offline collateral bundle, or verify online";
  }

  // ---- TCB --------------------------------------------------------------------------------

  private void tcb(Evaluation ev, State s, Optional<PolicyRules> tdx) {
    TcbStatus qeStatus = null;
    EnclaveReport qe = s.quote.signature().qeReport();
    String idRule = "qe.identity";
    String idExpected = "QE report matches Intel's TD_QE identity";
    if (s.qeIdentity == null || !s.qeReportTrusted) {
      ev.fail(
          idRule,
          idExpected,
          "not evaluated",
          s.qeIdentity == null
              ? "the QE cannot be identified without a verified QE identity"
              : "the QE cannot be identified: its report is not verified");
    } else {
      String mismatch = TcbEvaluator.qeIdentityMismatch(s.qeIdentity, qe);
      if (mismatch != null) {
        ev.fail(
            idRule, idExpected, "mismatch", mismatch + ": this is not Intel's TD quoting enclave");
      } else {
        qeStatus = TcbEvaluator.qeStatus(s.qeIdentity, qe);
        ev.pass(
            idRule,
            idExpected,
            "MRSIGNER "
                + HEX.formatHex(qe.mrSigner())
                + ", ISVPRODID "
                + qe.isvProdId()
                + ", ISVSVN "
                + qe.isvSvn()
                + " ("
                + qeStatus.label()
                + ")",
            "the quoting enclave is Intel's TD QE");
        ev.claim("qe_tcb_status", qeStatus.label());
      }
    }

    if (s.tcbInfo != null) {
      String mismatch =
          TcbEvaluator.moduleIdentityMismatch(
              s.tcbInfo, s.quote.header().version(), s.quote.body());
      ev.check(
          "tdx_module.identity",
          mismatch == null,
          "MRSIGNERSEAM and SEAMATTRIBUTES as Intel's TCB info gives",
          "MRSIGNERSEAM "
              + Evaluation.shortHex(HEX.formatHex(s.quote.body().mrSignerSeam()))
              + ", SEAMATTRIBUTES "
              + HEX.formatHex(s.quote.body().seamAttributes()),
          mismatch == null ? "the TDX module is Intel's" : mismatch);
    }

    List<String> accepted =
        tdx.flatMap(t -> t.strings("accepted_tcb_status")).orElse(List.of("UpToDate"));
    String rule = "tdx.accepted_tcb_status";
    String expected = Evaluation.listed(accepted);
    if (s.tcbInfo == null || s.ext == null) {
      ev.fail(
          rule,
          expected,
          "unknown",
          "the platform's TCB status is unknown: it needs a verified PCK certificate and TCB info");
      return;
    }
    if (s.qeIdentity != null && qeStatus == null) {
      // A QE identity that does not match: QVL stops before the TCB evaluation.
      ev.fail(
          rule,
          expected,
          "unknown",
          "the TCB status is not evaluated: the QE identity does not match");
      return;
    }
    TcbEvaluator.Result r =
        TcbEvaluator.evaluate(
            s.tcbInfo, s.ext, s.quote.header().version(), s.quote.body(), qeStatus);
    ev.claim("tcb_status", r.status().label());
    if (!r.advisoryIds().isEmpty()) {
      ev.claim("advisory_ids", String.join(",", r.advisoryIds()));
    }
    if (r.platformLevel() != null) {
      ev.claim("tcb_date", r.platformLevel().tcbDate());
    }
    boolean ok =
        r.status().ordinal() <= TcbStatus.REVOKED.ordinal()
            && accepted.contains(r.status().label())
            && s.qeIdentity != null;
    String found =
        r.status().label()
            + (r.advisoryIds().isEmpty() ? "" : " [" + String.join(",", r.advisoryIds()) + "]");
    String message;
    if (ok) {
      message = "TCB status " + r.status().label() + " is accepted (" + r.detail() + ")";
    } else if (s.qeIdentity == null) {
      message =
          "the TCB status ("
              + r.status().label()
              + " for the platform) is incomplete without a verified QE identity";
    } else if (r.status() == TcbStatus.NOT_SUPPORTED) {
      message = "no matching TCB level: " + r.detail() + "; Intel does not vouch for this platform";
    } else {
      message =
          "TCB status "
              + r.status().label()
              + " is not accepted by the policy ("
              + r.detail()
              + ")";
    }
    ev.check(rule, ok, expected, found, message);
  }

  // ---- Event log --------------------------------------------------------------------------

  private static void eventLog(
      Evaluation ev, State s, Evidence evidence, Optional<PolicyRules> tdx) {
    byte[] log = evidence.attachments().get(CCEL);
    boolean required = tdx.map(t -> t.bool("event_log_required", false)).orElse(false);
    if (log == null) {
      if (required) {
        ev.fail(
            "tdx.event_log_required",
            "a CCEL event log attached as '" + CCEL + "'",
            "none",
            "the policy requires the CCEL event log, and the evidence has none");
      }
      return;
    }
    String rule = "event_log.replay";
    String expected = "CCEL replays to RTMR0..2 (and RTMR3 if it has events)";
    CcelLog.Replay r;
    try {
      r = CcelLog.replay(log);
    } catch (QuoteFormatException e) {
      ev.fail(rule, expected, "malformed", e.getMessage());
      return;
    }
    List<String> differ = new ArrayList<>();
    for (int i = 0; i < QuoteFormat.RTMR_COUNT; i++) {
      if (i == 3 && r.events()[3] == 0) {
        continue; // RTMR3 belongs to the running system; firmware logs no events for it.
      }
      if (!MessageDigest.isEqual(r.rtmrs().get(i), s.quote.body().rtmrs().get(i))) {
        differ.add(
            "RTMR"
                + i
                + " replays to "
                + Evaluation.shortHex(HEX.formatHex(r.rtmrs().get(i)))
                + ", the quote has "
                + Evaluation.shortHex(HEX.formatHex(s.quote.body().rtmrs().get(i))));
      }
    }
    int[] n = r.events();
    String found = "events per RTMR: " + n[0] + ", " + n[1] + ", " + n[2] + ", " + n[3];
    ev.check(
        rule,
        differ.isEmpty(),
        expected,
        found,
        differ.isEmpty()
            ? "the event log matches the quoted RTMRs"
            : "the event log does not match the quote: " + String.join("; ", differ));
  }

  // ---- Policy -----------------------------------------------------------------------------

  private static void policy(Evaluation ev, State s, PolicyRules top, Optional<PolicyRules> tdx) {
    TdReport b = s.quote.body();
    ev.reportData(top, b.reportData());
    if (tdx.isEmpty()) {
      ev.missingMeasurement("tdx.mrtd", "MRTD", HEX.formatHex(b.mrTd()));
      ev.feature("tdx.debug_allowed", false, b.debug(), "TD debug mode");
      return;
    }
    PolicyRules t = tdx.get();
    ev.unknownRules(t, TDX_RULES);
    ev.requiredAllowList(t.path("mrtd"), t.hexList("mrtd"), b.mrTd(), "MRTD");
    rtmrs(ev, t, b);
    ev.allowList(t.path("mr_seam"), t.hexList("mr_seam"), b.mrSeam(), "MRSEAM");
    ev.allowList(
        t.path("mr_signer_seam"), t.hexList("mr_signer_seam"), b.mrSignerSeam(), "MRSIGNERSEAM");
    ev.allowList(t.path("mr_config_id"), t.hexList("mr_config_id"), b.mrConfigId(), "MRCONFIGID");
    ev.allowList(t.path("mr_owner"), t.hexList("mr_owner"), b.mrOwner(), "MROWNER");
    ev.allowList(
        t.path("mr_owner_config"),
        t.hexList("mr_owner_config"),
        b.mrOwnerConfig(),
        "MROWNERCONFIG");
    ev.allowList(
        t.path("td_attributes"), t.hexList("td_attributes"), b.tdAttributes(), "TDATTRIBUTES");
    ev.allowList(t.path("xfam"), t.hexList("xfam"), b.xfam(), "XFAM");
    ev.allowList(
        t.path("qe_vendor_ids"),
        t.hexList("qe_vendor_ids"),
        s.quote.header().qeVendorId(),
        "QE vendor id");
    minimumTeeTcbSvn(ev, t, b);
    // The header's QE/PCE SVN fields are reserved (zero) in v4/v5 quotes: the authenticated
    // values are the QE report's ISV SVN and the PCK certificate's PCESVN.
    ev.minimum(
        t.path("minimum_qe_svn"),
        t.number("minimum_qe_svn"),
        s.quote.signature().qeReport().isvSvn(),
        "QE ISV SVN");
    if (t.number("minimum_pce_svn").isPresent()) {
      if (s.ext == null) {
        ev.fail(
            t.path("minimum_pce_svn"),
            ">= " + t.number("minimum_pce_svn").getAsLong(),
            "unknown",
            "the PCE SVN is unknown without a verified PCK certificate");
      } else {
        ev.minimum(
            t.path("minimum_pce_svn"), t.number("minimum_pce_svn"), s.ext.pceSvn(), "PCE SVN");
      }
    }
    ev.feature(t.path("debug_allowed"), t.bool("debug_allowed", false), b.debug(), "TD debug mode");
    // tdx.roots is checked with the PCK chain, tdx.check_crl with the CRLs, and
    // tdx.event_log_required with the event log.
  }

  private static void rtmrs(Evaluation ev, PolicyRules t, TdReport b) {
    Object raw = t.raw("rtmrs");
    if (raw == null) {
      return;
    }
    List<?> sets = (List<?>) raw;
    List<String> described = new ArrayList<>();
    boolean ok = false;
    for (Object set : sets) {
      List<?> regs = (List<?>) set;
      boolean all = true;
      StringBuilder d = new StringBuilder("[");
      for (int i = 0; i < QuoteFormat.RTMR_COUNT; i++) {
        Object want = regs.get(i);
        d.append(i == 0 ? "" : ", ");
        if (want == Json.NULL || want == null) {
          d.append("any");
          continue;
        }
        String w = ((String) want).toLowerCase(Locale.ROOT);
        d.append(Evaluation.shortHex(w));
        all &= w.equals(HEX.formatHex(b.rtmrs().get(i)));
      }
      described.add(d.append(']').toString());
      ok |= all;
    }
    StringBuilder found = new StringBuilder("[");
    for (int i = 0; i < QuoteFormat.RTMR_COUNT; i++) {
      found.append(i == 0 ? "" : ", ").append(HEX.formatHex(b.rtmrs().get(i)));
    }
    ev.check(
        t.path("rtmrs"),
        ok,
        Evaluation.listed(described),
        found.append(']').toString(),
        ok ? "RTMRs are allowed" : "no RTMR set in the policy matches RTMR0..3");
  }

  private static void minimumTeeTcbSvn(Evaluation ev, PolicyRules t, TdReport b) {
    Optional<byte[]> min = t.hex("minimum_tee_tcb_svn");
    if (min.isEmpty()) {
      return;
    }
    Set<Integer> below = new LinkedHashSet<>();
    for (int i = 0; i < QuoteFormat.TCB_SVN_SIZE; i++) {
      if ((b.teeTcbSvn()[i] & 0xff) < (min.get()[i] & 0xff)) {
        below.add(i);
      }
    }
    ev.check(
        t.path("minimum_tee_tcb_svn"),
        below.isEmpty(),
        ">= " + HEX.formatHex(min.get()) + " byte by byte",
        HEX.formatHex(b.teeTcbSvn()),
        below.isEmpty()
            ? "TEE_TCB_SVN is at least the minimum"
            : "TEE_TCB_SVN is below the minimum at byte(s) " + below);
  }
}
