package ai.cocos.cli;

import ai.cocos.api.tee.Evidence;
import ai.cocos.attestation.Certs;
import ai.cocos.attestation.ChainException;
import ai.cocos.attestation.EvidenceFile;
import ai.cocos.attestation.EvidenceFile.EvidenceFormatException;
import ai.cocos.tee.vtpm.AzureVtpmProvider;
import ai.cocos.tee.vtpm.VtpmEvidence;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads the evidence a command is given: a {@code cocos-evidence/1} file ({@link EvidenceFile}), or
 * a vendor's raw file (an SNP report, a TDX quote, a TPMS_ATTEST, trustee's Azure evidence JSON)
 * with {@code --platform}, plus material given on the command line: {@code --certs} files named by
 * what they hold, and {@code --attach NAME=FILE} under an exact attachment name.
 */
final class AttestationInput {
  /** The largest single {@code --certs} or {@code --attach} file read. */
  static final int MAX_ATTACHMENT_BYTES = 16 * 1024 * 1024;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  /**
   * File names (without extension) the vectors and vendor tools use, and the attachment each is.
   */
  private static final Map<String, String> NAMES =
      Map.ofEntries(
          Map.entry("pck_crl_platform", "pck_crl"),
          Map.entry("pck_crl_processor", "pck_crl"),
          Map.entry("ccel_data", "ccel"),
          Map.entry("ask_ark", "cert_chain"),
          Map.entry("asvk_ark", "cert_chain"));

  private AttestationInput() {}

  /**
   * What was read.
   *
   * @param evidence the evidence, with the command line's attachments added
   * @param evidenceFile whether the input was a {@code cocos-evidence} file (else a raw vendor
   *     file)
   */
  record Input(Evidence evidence, boolean evidenceFile) {}

  /**
   * Reads the evidence.
   *
   * @param file the evidence file
   * @param platform {@code --platform}, or {@code null}
   * @param certs {@code --certs} files or folders
   * @param attach {@code --attach NAME=FILE} values
   * @return the evidence
   * @throws Failure naming the file and what is wrong with it
   */
  static Input read(Path file, String platform, List<Path> certs, List<String> attach)
      throws Failure {
    byte[] bytes;
    try {
      bytes = EvidenceFile.readLimited(file);
    } catch (IOException e) {
      throw new Failure(file + ": cannot read the evidence: " + LocalFiles.problem(e, file));
    } catch (EvidenceFormatException e) {
      throw new Failure(e.getMessage());
    }
    Map<String, byte[]> extra = new LinkedHashMap<>();
    String target = platform;
    boolean ours = EvidenceFile.looksLikeEvidenceFile(bytes);
    Evidence base;
    if (ours) {
      try {
        base = EvidenceFile.read(bytes);
      } catch (EvidenceFormatException e) {
        throw new Failure(file + ": " + e.getMessage());
      }
      if (target == null) {
        target = base.platform();
      }
    } else {
      if (target == null) {
        throw new Failure(
            file
                + " is not a cocos evidence file (cocos-evidence/1): give --platform to read it as"
                + " a raw report or quote of that platform");
      }
      base = raw(file, target, bytes);
    }
    for (Path c : certs) {
      addCerts(c, target, extra);
    }
    for (String a : attach) {
      int eq = a.indexOf('=');
      if (eq <= 0 || !NAME.matcher(a.substring(0, eq)).matches()) {
        throw new Failure(
            "--attach '"
                + a
                + "': expected NAME=FILE, NAME being 1-64 characters of [A-Za-z0-9._-]");
      }
      Path f = Path.of(a.substring(eq + 1));
      extra.put(a.substring(0, eq), LocalFiles.readBytes(f, f.toString(), MAX_ATTACHMENT_BYTES));
    }
    Map<String, byte[]> all = new LinkedHashMap<>(base.attachments());
    all.putAll(extra);
    return new Input(new Evidence(base.platform(), base.report(), all), ours);
  }

  private static Evidence raw(Path file, String platform, byte[] bytes) throws Failure {
    if (AzureVtpmProvider.AZURE_SNP_VTPM.equals(platform) && startsWithBrace(bytes)) {
      try {
        return VtpmEvidence.fromTrusteeAzureSnp(bytes);
      } catch (IllegalArgumentException e) {
        throw new Failure(file + ": " + e.getMessage());
      }
    }
    if (bytes.length == 0) {
      throw new Failure(file + " is empty");
    }
    return new Evidence(platform, bytes, Map.of());
  }

  private static boolean startsWithBrace(byte[] b) {
    for (byte x : b) {
      if (x == '{') {
        return true;
      }
      if (x != ' ' && x != '\n' && x != '\r' && x != '\t') {
        return false;
      }
    }
    return false;
  }

  /** A folder's files, or one file, as attachments named by what they hold. */
  private static void addCerts(Path p, String platform, Map<String, byte[]> out) throws Failure {
    if (Files.isDirectory(p)) {
      try (Stream<Path> s = Files.list(p)) {
        for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
          addCerts(f, platform, out);
        }
      } catch (IOException e) {
        throw new Failure(p + ": cannot list it: " + LocalFiles.problem(e, p));
      }
      return;
    }
    byte[] b = LocalFiles.readBytes(p, p.toString(), MAX_ATTACHMENT_BYTES);
    out.put(nameOf(p, platform, b), b);
  }

  /**
   * The attachment a file is: SEV-SNP certificates by their role in AMD's hierarchy, anything else
   * by its file name ({@code tcb_info.json} is {@code tcb_info}).
   */
  static String nameOf(Path p, String platform, byte[] b) throws Failure {
    String file = p.getFileName().toString();
    String stem = file.contains(".") ? file.substring(0, file.indexOf('.')) : file;
    stem = stem.toLowerCase(Locale.ROOT);
    if (platform.equals("snp") || platform.equals("emulated")) {
      try {
        List<X509Certificate> certs = Certs.read(b);
        if (certs.size() > 1) {
          return "cert_chain";
        }
        X509Certificate c = certs.get(0);
        String subject = c.getSubjectX500Principal().getName();
        boolean vlek = subject.contains("VLEK");
        if (c.getBasicConstraints() < 0) {
          return vlek ? "vlek" : "vcek";
        }
        if (c.getSubjectX500Principal().equals(c.getIssuerX500Principal())) {
          return "ark";
        }
        return vlek ? "asvk" : "ask";
      } catch (ChainException | RuntimeException notACertificate) {
        // A CRL or other material: named by the file.
        if (stem.contains("crl")) {
          return "crl";
        }
      }
    }
    String mapped = NAMES.getOrDefault(stem, stem);
    if (!NAME.matcher(mapped).matches()) {
      throw new Failure(
          p + ": cannot tell which attachment this file is: give it as --attach NAME=" + p);
    }
    return mapped;
  }
}
