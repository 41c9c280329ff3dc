package ai.cocos.tee.vtpm.internal;

import ai.cocos.api.tee.AttestationException;
import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.tee.vtpm.VtpmAttachments;
import ai.cocos.tee.vtpm.VtpmSettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Gathers vTPM evidence with raw TPM 2.0 commands: an attestation key (a primary key from the
 * go-tpm-tools template, or a persistent one), one TPM2_Quote per configured bank over PCRs 0-23
 * with the caller's nonce, the PCR values read around it (re-quoted if a PCR changed in between),
 * the AK certificate from NV if configured, and the firmware event log.
 */
public final class Gatherer {
  /** Attempts when a PCR changes between the quote and the read. */
  static final int ATTEMPTS = 3;

  /** Largest event log attached. */
  static final int MAX_EVENT_LOG = 16 << 20;

  /**
   * NV indexes of EK certificates (TCG EK Credential Profile 2.x §2.2.1.5): RSA 2048, ECC NIST
   * P-256, and the high range's ECC NIST P-384 and RSA 3072. The first one present is attached.
   */
  static final int[] EK_CERT_INDEXES = {0x01c00002, 0x01c0000a, 0x01c00016, 0x01c0001c};

  private Gatherer() {}

  /** One quote's outputs. */
  record Quote(byte[] attest, byte[] signature, Map<Integer, byte[]> values) {}

  /** What one gathering produced. */
  record Quoted(byte[] akPublic, List<Quote> quotes, Map<Integer, Map<Integer, byte[]>> pcrs) {}

  /**
   * Gathers platform-{@code vtpm} evidence.
   *
   * @param s the settings
   * @param nonce the relying party's nonce (the quote's qualifying data)
   * @return the evidence
   * @throws AttestationException naming the device and what failed
   */
  public static Evidence gather(VtpmSettings s, byte[] nonce) throws AttestationException {
    Map<String, byte[]> att = new LinkedHashMap<>();
    Quoted q;
    try (Tpm tpm = open(s.device())) {
      q = quote(tpm, s, nonce);
      if (s.akCertNvIndex() != 0) {
        att.put(VtpmAttachments.AK_CERT, tpm.nvRead((int) s.akCertNvIndex()));
      }
      ekCertificate(tpm).ifPresent(c -> att.put(VtpmAttachments.EK_CERT, c));
    } catch (IOException e) {
      throw new AttestationException("vTPM " + s.device() + ": " + e.getMessage(), e);
    }
    att.put(VtpmAttachments.SIGNATURE, q.quotes().get(0).signature());
    att.put(VtpmAttachments.AK_PUB, q.akPublic());
    att.put(VtpmAttachments.PCRS, PcrValues.write(q.pcrs()));
    for (int i = 1; i < q.quotes().size(); i++) {
      att.put(VtpmAttachments.QUOTE_PREFIX + i, q.quotes().get(i).attest());
      att.put(VtpmAttachments.SIGNATURE + "." + i, q.quotes().get(i).signature());
    }
    eventLog(s.eventLog()).ifPresent(l -> att.put(VtpmAttachments.EVENT_LOG, l));
    return new Evidence(TeeProvider.VTPM, q.quotes().get(0).attest(), att);
  }

  /**
   * The EK certificate, if the TPM has one in a TCG index. Optional evidence: a TPM whose index is
   * unreadable gives none, and a policy that pins EK roots then fails naming it.
   */
  static java.util.Optional<byte[]> ekCertificate(Tpm tpm) {
    for (int index : EK_CERT_INDEXES) {
      try {
        if (tpm.nvSize(index) > 0) {
          return java.util.Optional.of(tpm.nvRead(index));
        }
      } catch (IOException e) {
        // not readable with an empty owner or index password: try the next
      }
    }
    return java.util.Optional.empty();
  }

  /** Opens the TPM, naming the missing device plainly. */
  static Tpm open(String device) throws AttestationException {
    try {
      return Tpm.open(device);
    } catch (NoSuchFileException e) {
      throw new AttestationException(
          "no TPM here: " + device + " does not exist (a vTPM guest has /dev/tpmrm0)", e);
    } catch (IOException e) {
      throw new AttestationException("vTPM: " + e.getMessage(), e);
    }
  }

  /** Quotes every configured bank with the AK. */
  static Quoted quote(Tpm tpm, VtpmSettings s, byte[] nonce) throws IOException {
    int handle;
    boolean transientKey = s.akHandle() == 0;
    byte[] akPublic;
    if (transientKey) {
      AkTemplate t = s.akAlgorithm().equals("ecc") ? AkTemplate.ECC : AkTemplate.RSA;
      Tpm.Loaded ak = tpm.createPrimary(Tpm.RH_OWNER, t.marshal());
      handle = ak.handle();
      akPublic = ak.publicArea();
    } else {
      handle = (int) s.akHandle();
      akPublic = tpm.readPublic(handle);
    }
    try {
      TpmtPublic pub;
      try {
        pub = TpmtPublic.parse(akPublic);
      } catch (MalformedException e) {
        throw new IOException("the attestation key is unusable: " + e.getMessage(), e);
      }
      if (pub.scheme() == TpmAlg.NULL) {
        throw new IOException("the attestation key has no signing scheme of its own");
      }
      List<Quote> quotes = new ArrayList<>();
      Map<Integer, Map<Integer, byte[]>> all = new LinkedHashMap<>();
      for (String bank : s.banks()) {
        Quote q = quoteBank(tpm, handle, pub.schemeHash(), TpmAlg.hashOf(bank), nonce);
        quotes.add(q);
        all.put(TpmAlg.hashOf(bank), q.values());
      }
      return new Quoted(akPublic, quotes, all);
    } finally {
      if (transientKey) {
        tpm.flush(handle);
      }
    }
  }

  private static Quote quoteBank(Tpm tpm, int key, int sigHash, int bank, byte[] nonce)
      throws IOException {
    List<Integer> idx = new ArrayList<>();
    for (int i = 0; i < Tpm.PCRS; i++) {
      idx.add(i);
    }
    List<PcrSelection> sel = List.of(new PcrSelection(bank, idx, 3));
    for (int attempt = 1; ; attempt++) {
      Tpm.QuoteResult r = tpm.quote(key, nonce, sel);
      Map<Integer, byte[]> values = tpm.pcrRead(sel).get(bank);
      MessageDigest md = TpmAlg.digest(sigHash);
      values.values().forEach(md::update);
      byte[] digest;
      try {
        digest = TpmsAttest.parse(r.attest()).pcrDigest();
      } catch (MalformedException e) {
        throw new IOException("the TPM returned a malformed quote: " + e.getMessage(), e);
      }
      if (MessageDigest.isEqual(md.digest(), digest)) {
        return new Quote(r.attest(), r.signature(), values);
      }
      if (attempt == ATTEMPTS) {
        throw new IOException(
            "PCRs of bank "
                + TpmAlg.bankName(bank)
                + " kept changing between quote and read ("
                + ATTEMPTS
                + " attempts)");
      }
    }
  }

  /** The event log, if the file exists and is readable; absent is not an error. */
  static java.util.Optional<byte[]> eventLog(Path p) throws AttestationException {
    if (!Files.isReadable(p)) {
      return java.util.Optional.empty();
    }
    try (InputStream in = Files.newInputStream(p)) {
      byte[] b = in.readNBytes(MAX_EVENT_LOG + 1);
      if (b.length > MAX_EVENT_LOG) {
        throw new AttestationException(
            String.format(Locale.ROOT, "event log %s is larger than %d bytes", p, MAX_EVENT_LOG));
      }
      return b.length == 0 ? java.util.Optional.empty() : java.util.Optional.of(b);
    } catch (IOException e) {
      throw new AttestationException("cannot read the event log " + p + ": " + e.getMessage(), e);
    }
  }
}
