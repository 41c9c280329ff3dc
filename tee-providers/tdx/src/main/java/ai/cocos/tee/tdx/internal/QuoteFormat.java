package ai.cocos.tee.tdx.internal;

/**
 * Offsets and sizes of the Intel TDX DCAP quote, as named constants. Source: Intel TDX DCAP Quote
 * Generation Library and Quote Verification Library, "Intel TDX DCAP Quoting Library API", Appendix
 * A.3 "Version 4 Quote Format" (tables A.3.1 Quote Header, A.3.2 TD Quote Body, A.3.8 ECDSA 256-bit
 * Quote Signature Data Structure, A.3.9 QE Certification Data, A.3.10 Enclave Report Body, A.3.11
 * QE Report Certification Data) and Appendix A.4 "Version 5 Quote Format" (A.4.1 Quote Body
 * Descriptor, A.4.2 TD Quote Body v1.5). All integers are little-endian.
 */
final class QuoteFormat {
  private QuoteFormat() {}

  // A.3.1 Quote Header (48 bytes).
  static final int HEADER_SIZE = 48;
  static final int HEADER_VERSION = 0; // u16
  static final int HEADER_ATT_KEY_TYPE = 2; // u16
  static final int HEADER_TEE_TYPE = 4; // u32
  static final int HEADER_QE_SVN = 8; // u16, reserved in v4/v5
  static final int HEADER_PCE_SVN = 10; // u16, reserved in v4/v5
  static final int HEADER_QE_VENDOR_ID = 12; // 16 bytes
  static final int HEADER_USER_DATA = 28; // 20 bytes
  static final int QE_VENDOR_ID_SIZE = 16;
  static final int USER_DATA_SIZE = 20;

  static final int VERSION_4 = 4;
  static final int VERSION_5 = 5;

  /** Attestation key type 2: ECDSA-256-with-P-256 curve. */
  static final int ATT_KEY_TYPE_ECDSA_P256 = 2;

  /** TEE type of TDX (0x00 is SGX). */
  static final int TEE_TYPE_TDX = 0x81;

  /** Intel's QE vendor id (A.3.1: "939A7233F79C4CA9940A0DB3957F0607"). */
  static final String INTEL_QE_VENDOR_ID = "939a7233f79c4ca9940a0db3957f0607";

  // A.4.1 Quote Body Descriptor (v5 only), right after the header.
  static final int V5_BODY_TYPE = HEADER_SIZE; // u16
  static final int V5_BODY_SIZE = HEADER_SIZE + 2; // u32
  static final int V5_BODY = HEADER_SIZE + 6;
  static final int BODY_DESCRIPTOR_SIZE = 6;

  /** Body type 2: TD report body of TDX 1.0 (584 bytes). */
  static final int BODY_TYPE_TD10 = 2;

  /** Body type 3: TD report body of TDX 1.5 (648 bytes). */
  static final int BODY_TYPE_TD15 = 3;

  // A.3.2 TD Quote Body (TDX 1.0, 584 bytes); A.4.2 adds two fields for TDX 1.5 (648 bytes).
  static final int TD10_BODY_SIZE = 584;
  static final int TD15_BODY_SIZE = 648;
  static final int BODY_TEE_TCB_SVN = 0; // 16
  static final int BODY_MR_SEAM = 16; // 48
  static final int BODY_MR_SIGNER_SEAM = 64; // 48
  static final int BODY_SEAM_ATTRIBUTES = 112; // 8
  static final int BODY_TD_ATTRIBUTES = 120; // 8
  static final int BODY_XFAM = 128; // 8
  static final int BODY_MR_TD = 136; // 48
  static final int BODY_MR_CONFIG_ID = 184; // 48
  static final int BODY_MR_OWNER = 232; // 48
  static final int BODY_MR_OWNER_CONFIG = 280; // 48
  static final int BODY_RTMR0 = 328; // 4 x 48
  static final int BODY_REPORT_DATA = 520; // 64
  static final int BODY_TEE_TCB_SVN_2 = 584; // 16, TDX 1.5 only
  static final int BODY_MR_SERVICE_TD = 600; // 48, TDX 1.5 only
  static final int TCB_SVN_SIZE = 16;
  static final int MEASUREMENT_SIZE = 48;
  static final int ATTRIBUTES_SIZE = 8;
  static final int REPORT_DATA_SIZE = 64;
  static final int RTMR_COUNT = 4;

  /** TD_ATTRIBUTES bit 0: DEBUG, the TD runs in debug mode (its memory is readable by the host). */
  static final long TD_ATTRIBUTES_DEBUG = 1L;

  // A.3.8 ECDSA 256-bit Quote Signature Data Structure (after a u32 length).
  static final int SIG_DATA_LENGTH_SIZE = 4;
  static final int SIG_SIGNATURE = 0; // 64: r || s, big-endian
  static final int SIG_ATTESTATION_KEY = 64; // 64: x || y, big-endian
  static final int SIG_CERTIFICATION_DATA = 128; // A.3.9 structure
  static final int ECDSA_P256_SIGNATURE_SIZE = 64;
  static final int ECDSA_P256_KEY_SIZE = 64;

  // A.3.9 QE Certification Data: u16 type, u32 size, data.
  static final int CERT_DATA_HEADER_SIZE = 6;

  /** Certification data type 5: PCK certificate chain, PEM, leaf first. */
  static final int CERT_TYPE_PCK_CHAIN = 5;

  /** Certification data type 6: QE report certification data (A.3.11). */
  static final int CERT_TYPE_QE_REPORT = 6;

  // A.3.11 QE Report Certification Data: QE report, its signature, u16-sized auth data, then A.3.9.
  static final int QE_REPORT_SIZE = 384;
  static final int QE_AUTH_SIZE_SIZE = 2;

  // A.3.10 Enclave Report Body (SGX REPORTBODY, 384 bytes).
  static final int ER_CPU_SVN = 0; // 16
  static final int ER_MISC_SELECT = 16; // 4
  static final int ER_ATTRIBUTES = 48; // 16
  static final int ER_MR_ENCLAVE = 64; // 32
  static final int ER_MR_SIGNER = 128; // 32
  static final int ER_ISV_PROD_ID = 256; // u16
  static final int ER_ISV_SVN = 258; // u16
  static final int ER_REPORT_DATA = 320; // 64
  static final int ER_CPU_SVN_SIZE = 16;
  static final int ER_MISC_SELECT_SIZE = 4;
  static final int ER_ATTRIBUTES_SIZE = 16;
  static final int ER_HASH_SIZE = 32;
  static final int ER_REPORT_DATA_SIZE = 64;
}
