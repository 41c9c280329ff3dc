package ai.cocos.crypto.internal;

/**
 * Record signatures, field values and sizes of the ZIP format, as PKWARE's APPNOTE.TXT (version
 * 6.3.10) and Info-ZIP's extra-field list define them. Section numbers refer to APPNOTE.
 */
public final class ZipFormat {
  private ZipFormat() {}

  /** Local file header signature (4.3.7). */
  public static final int LOCAL_HEADER_SIG = 0x04034b50;

  /** Fixed part of a local file header, before name and extra field (4.3.7). */
  public static final int LOCAL_HEADER_SIZE = 30;

  /** Central directory file header signature (4.3.12). */
  public static final int CENTRAL_HEADER_SIG = 0x02014b50;

  /** Fixed part of a central directory header (4.3.12). */
  public static final int CENTRAL_HEADER_SIZE = 46;

  /** End of central directory record signature (4.3.16). */
  public static final int EOCD_SIG = 0x06054b50;

  /** Fixed part of the end of central directory record (4.3.16). */
  public static final int EOCD_SIZE = 22;

  /** Zip64 end of central directory record signature (4.3.14). */
  public static final int ZIP64_EOCD_SIG = 0x06064b50;

  /** Size of the zip64 end of central directory record without extensible data (4.3.14). */
  public static final int ZIP64_EOCD_SIZE = 56;

  /** Zip64 end of central directory locator signature (4.3.15). */
  public static final int ZIP64_LOCATOR_SIG = 0x07064b50;

  /** Size of the zip64 end of central directory locator (4.3.15). */
  public static final int ZIP64_LOCATOR_SIZE = 20;

  /** Zip64 extended information extra field header id (4.5.3). */
  public static final int EXTRA_ZIP64 = 0x0001;

  /** Info-ZIP extended timestamp extra field header id ("UT"). */
  public static final int EXTRA_EXTENDED_TIMESTAMP = 0x5455;

  /** General purpose flag bit 0: the entry is encrypted (4.4.4). */
  public static final int FLAG_ENCRYPTED = 0x0001;

  /** General purpose flag bit 11: name and comment are UTF-8 (4.4.4, appendix D). */
  public static final int FLAG_UTF8 = 0x0800;

  /** Compression method 0: stored (4.4.5). */
  public static final int METHOD_STORED = 0;

  /** Compression method 8: deflated (4.4.5). */
  public static final int METHOD_DEFLATED = 8;

  /** Version 2.0, the version made-by / needed for plain stored or deflated entries (4.4.3). */
  public static final int VERSION_20 = 20;

  /** Version 4.5, needed for zip64 (4.4.3). */
  public static final int VERSION_45 = 45;

  /** Upper byte of "version made by": the attributes are Unix (4.4.2.2). */
  public static final int HOST_UNIX = 3;

  /** Upper byte of "version made by" for macOS (Darwin) archivers, Unix attributes too. */
  public static final int HOST_OSX = 19;

  /** MS-DOS date 1980-01-01 (day 1, month 1, year 0 since 1980): the smallest DOS date (4.4.6). */
  public static final int DOS_DATE_1980_01_01 = (1 << 5) | 1;

  /** MS-DOS time 00:00:00 (4.4.6). */
  public static final int DOS_TIME_MIDNIGHT = 0;

  /** MS-DOS attribute: read-only (low byte of external attributes). */
  public static final int MSDOS_READONLY = 0x01;

  /** MS-DOS attribute: directory (low byte of external attributes). */
  public static final int MSDOS_DIR = 0x10;

  /** Unix {@code S_IFMT}: file type bits of {@code st_mode}. */
  public static final int S_IFMT = 0170000;

  /** Unix regular file type. */
  public static final int S_IFREG = 0100000;

  /** Unix directory type. */
  public static final int S_IFDIR = 0040000;

  /** Unix symbolic link type. */
  public static final int S_IFLNK = 0120000;

  /** Value of a 32-bit size or offset field whose real value is in the zip64 extra field. */
  public static final long ZIP64_MAGIC_32 = 0xFFFFFFFFL;

  /** Value of a 16-bit count field whose real value is in the zip64 end record. */
  public static final int ZIP64_MAGIC_16 = 0xFFFF;

  /** Largest comment after the end of central directory record. */
  public static final int MAX_COMMENT = 0xFFFF;
}
