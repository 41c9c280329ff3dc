package ai.cocos.tee.emulated.internal;

import ai.cocos.api.tee.AttestationException;
import ai.cocos.attestation.Certs;
import ai.cocos.attestation.ChainException;
import ai.cocos.attestation.ChainVerifier;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERIA5String;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The emulated platform's keys: an emulated ARK (self-signed, ECDSA P-384) and an emulated VCEK it
 * issued (ECDSA P-384, with AMD's VCEK extensions: product, TCB SPLs, hwID = the emulated chip id),
 * created once in a private folder and loaded afterwards. Both names say "emulated, not a real
 * TEE", so that no one mistakes them for AMD's.
 *
 * <p>Files: {@code ark.pem}, {@code ark.key}, {@code vcek.pem}, {@code vcek.key} (PKCS#8, mode
 * 0600), folder mode 0700. A new folder is prepared under a temporary name and moved into place, so
 * two processes starting together end up with the same identity.
 */
public final class EmulatedIdentity {
  /** The emulated product (its CPUID and TCB layout). */
  public static final String PRODUCT = "Milan";

  /** The TCB the emulated VCEK certifies: bl 3, tee 0, snp 8, microcode 115. */
  public static final int BL = 3;

  /** TEE SPL. */
  public static final int TEE = 0;

  /** SNP SPL. */
  public static final int SNP = 8;

  /** Microcode SPL. */
  public static final int UCODE = 115;

  private static final String OID = "1.3.6.1.4.1.3704.1.";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final X509Certificate ark;
  private final PrivateKey arkKey;
  private final X509Certificate vcek;
  private final PrivateKey vcekKey;
  private final byte[] chipId;

  private EmulatedIdentity(
      X509Certificate ark,
      PrivateKey arkKey,
      X509Certificate vcek,
      PrivateKey vcekKey,
      byte[] chipId) {
    this.ark = ark;
    this.arkKey = arkKey;
    this.vcek = vcek;
    this.vcekKey = vcekKey;
    this.chipId = chipId;
  }

  /**
   * Loads the identity from a folder, creating it there first if the folder does not exist.
   *
   * @param dir the folder
   * @return the identity
   * @throws AttestationException if the folder holds a damaged identity or cannot be written
   */
  public static EmulatedIdentity loadOrCreate(Path dir) throws AttestationException {
    if (!Files.exists(dir.resolve("vcek.pem"))) {
      create(dir);
    }
    return load(dir);
  }

  /**
   * The emulated ARK.
   *
   * @return the root certificate
   */
  public X509Certificate ark() {
    return ark;
  }

  /**
   * The emulated VCEK.
   *
   * @return the signing certificate
   */
  public X509Certificate vcek() {
    return vcek;
  }

  /**
   * The emulated chip id (the VCEK's hwID).
   *
   * @return 64 bytes
   */
  public byte[] chipId() {
    return chipId.clone();
  }

  /**
   * Signs report bytes with the emulated VCEK.
   *
   * @param data the signed part of a report
   * @return the P1363 signature, 96 bytes
   * @throws AttestationException if the key refuses
   */
  public byte[] sign(byte[] data) throws AttestationException {
    try {
      Signature s = Signature.getInstance("SHA384withECDSAinP1363Format");
      s.initSign(vcekKey);
      s.update(data);
      return s.sign();
    } catch (GeneralSecurityException e) {
      throw new AttestationException("the emulated VCEK cannot sign: " + e.getMessage(), e);
    }
  }

  /**
   * A CRL of the emulated ARK listing nothing, current for a week.
   *
   * @param now the issuing time
   * @return the DER CRL
   * @throws AttestationException if it cannot be signed
   */
  public byte[] crl(Instant now) throws AttestationException {
    try {
      X509v2CRLBuilder b =
          new X509v2CRLBuilder(
              X500Name.getInstance(ark.getSubjectX500Principal().getEncoded()),
              Date.from(now.minus(Duration.ofMinutes(5))));
      b.setNextUpdate(Date.from(now.plus(Duration.ofDays(7))));
      X509CRL crl = new JcaX509CRLConverter().getCRL(b.build(signer(arkKey)));
      return crl.getEncoded();
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new AttestationException("cannot issue the emulated CRL: " + e.getMessage(), e);
    }
  }

  private static void create(Path dir) throws AttestationException {
    try {
      Path parent = dir.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      Path tmp = Files.createTempDirectory(parent, ".emulated-tee-");
      private0700(tmp);
      KeyPair arkKeys = p384();
      KeyPair vcekKeys = p384();
      byte[] chip = new byte[64];
      RANDOM.nextBytes(chip);
      Instant now = Instant.now();
      X500Name arkName = new X500Name("CN=Cocos Emulated ARK,O=Cocos (emulated\\, not a real TEE)");
      JcaX509v3CertificateBuilder a =
          new JcaX509v3CertificateBuilder(
              arkName,
              serial(),
              Date.from(now.minus(Duration.ofDays(1))),
              Date.from(now.plus(Duration.ofDays(365L * 25))),
              arkName,
              arkKeys.getPublic());
      a.addExtension(Extension.basicConstraints, true, new BasicConstraints(1));
      a.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      X509Certificate ark =
          new JcaX509CertificateConverter().getCertificate(a.build(signer(arkKeys.getPrivate())));
      X500Name vcekName =
          new X500Name("CN=Cocos Emulated VCEK,O=Cocos (emulated\\, not a real TEE)");
      JcaX509v3CertificateBuilder v =
          new JcaX509v3CertificateBuilder(
              arkName,
              serial(),
              Date.from(now.minus(Duration.ofDays(1))),
              Date.from(now.plus(Duration.ofDays(365L * 20))),
              vcekName,
              vcekKeys.getPublic());
      v.addExtension(new ASN1ObjectIdentifier(OID + "1"), false, new ASN1Integer(1));
      v.addExtension(new ASN1ObjectIdentifier(OID + "2"), false, new DERIA5String(PRODUCT));
      v.addExtension(new ASN1ObjectIdentifier(OID + "3.1"), false, new ASN1Integer(BL));
      v.addExtension(new ASN1ObjectIdentifier(OID + "3.2"), false, new ASN1Integer(TEE));
      v.addExtension(new ASN1ObjectIdentifier(OID + "3.3"), false, new ASN1Integer(SNP));
      v.addExtension(new ASN1ObjectIdentifier(OID + "3.8"), false, new ASN1Integer(UCODE));
      // hwID: the raw chip id as the extension value, as in AMD-issued VCEKs.
      v.addExtension(new Extension(new ASN1ObjectIdentifier(OID + "4"), false, chip));
      X509Certificate vcek =
          new JcaX509CertificateConverter().getCertificate(v.build(signer(arkKeys.getPrivate())));
      write(
          tmp.resolve("ark.pem"),
          Certs.toPem(List.of(ark)).getBytes(StandardCharsets.US_ASCII),
          false);
      write(
          tmp.resolve("vcek.pem"),
          Certs.toPem(List.of(vcek)).getBytes(StandardCharsets.US_ASCII),
          false);
      write(tmp.resolve("ark.key"), pem(arkKeys.getPrivate()), true);
      write(tmp.resolve("vcek.key"), pem(vcekKeys.getPrivate()), true);
      try {
        // rename(2): atomic, and replaces an empty folder the operator may have created.
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        deleteTree(tmp);
        if (!Files.exists(dir.resolve("vcek.pem"))) {
          throw e;
        }
        // Another process created the identity first: use its identity.
      }
    } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
      throw new AttestationException(
          "cannot create the emulated TEE identity in " + dir + ": " + e.getMessage(), e);
    }
  }

  private static EmulatedIdentity load(Path dir) throws AttestationException {
    try {
      X509Certificate ark = Certs.readOne(Files.readAllBytes(dir.resolve("ark.pem")));
      X509Certificate vcek = Certs.readOne(Files.readAllBytes(dir.resolve("vcek.pem")));
      PrivateKey arkKey = key(Files.readAllBytes(dir.resolve("ark.key")));
      PrivateKey vcekKey = key(Files.readAllBytes(dir.resolve("vcek.key")));
      ChainVerifier.shared().verifySignedBy(ark, ark);
      ChainVerifier.shared().verifySignedBy(vcek, ark);
      byte[] ext = vcek.getExtensionValue(OID + "4");
      byte[] chip =
          ext == null || ext.length != 66 ? null : java.util.Arrays.copyOfRange(ext, 2, 66);
      if (chip == null) {
        throw new ChainException("the emulated VCEK has no 64-byte hwID");
      }
      EmulatedIdentity id = new EmulatedIdentity(ark, arkKey, vcek, vcekKey, chip);
      // The private key must belong to the certificate: sign and check once.
      byte[] probe = "cocos emulated identity check".getBytes(StandardCharsets.US_ASCII);
      if (!ai.cocos.attestation.Ecdsa.verifyP1363(vcek.getPublicKey(), probe, id.sign(probe))) {
        throw new ChainException("vcek.key does not belong to vcek.pem");
      }
      return id;
    } catch (IOException | ChainException | GeneralSecurityException | RuntimeException e) {
      throw new AttestationException(
          "the emulated TEE identity in "
              + dir
              + " is damaged ("
              + e.getMessage()
              + "): remove the folder to create a new one, and update the policies"
              + " that pin the old emulated root",
          e);
    }
  }

  private static PrivateKey key(byte[] pem) throws GeneralSecurityException {
    String text =
        new String(pem, StandardCharsets.US_ASCII)
            .replace("-----BEGIN PRIVATE KEY-----", "")
            .replace("-----END PRIVATE KEY-----", "")
            .replaceAll("\\s", "");
    return KeyFactory.getInstance("EC")
        .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(text)));
  }

  private static byte[] pem(PrivateKey k) {
    return ("-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(k.getEncoded())
            + "\n-----END PRIVATE KEY-----\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  private static KeyPair p384() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp384r1"), RANDOM);
    return g.generateKeyPair();
  }

  private static ContentSigner signer(PrivateKey k) throws OperatorCreationException {
    return new JcaContentSignerBuilder("SHA384withECDSA").build(k);
  }

  private static BigInteger serial() {
    return new BigInteger(127, RANDOM).add(BigInteger.ONE);
  }

  private static void write(Path p, byte[] bytes, boolean secret) throws IOException {
    Files.write(p, bytes);
    if (secret && FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
    }
  }

  private static void private0700(Path p) throws IOException {
    if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
    }
  }

  private static void deleteTree(Path p) throws IOException {
    try (var s = Files.walk(p)) {
      for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(x);
      }
    }
  }
}
