package ai.cocos.api.computation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class Sha3HashTest {
  private static final String HEX =
      "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a"; // SHA3-256("")

  @Test
  void parsesAndPrintsLowerCaseHex() throws Exception {
    Sha3Hash h = Sha3Hash.parse(HEX);
    assertEquals(HEX, h.hex());
    assertEquals(HEX, h.toString());
    assertTrue(h.matches(MessageDigest.getInstance("SHA3-256").digest(new byte[0])));
  }

  @Test
  void refusesMalformedText() {
    assertEquals(
        "expected 64 lower-case hex digits (SHA3-256), found 63 characters",
        message(HEX.substring(1)));
    assertEquals("expected 64 lower-case hex digits (SHA3-256), found 1 character", message("a"));
    assertEquals(
        "expected 64 lower-case hex digits (SHA3-256), found upper-case 'F' at character 4",
        message(HEX.substring(0, 3) + "F" + HEX.substring(4)));
    assertEquals(
        "expected 64 lower-case hex digits (SHA3-256), found ' ' at character 64",
        message(HEX.substring(0, 63) + " "));
    assertEquals(
        "expected 64 lower-case hex digits (SHA3-256), found 66 characters (drop the '0x' prefix)",
        message("0x" + HEX));
    assertEquals(
        "expected 64 lower-case hex digits (SHA3-256), found '\\u0000' at character 1",
        message("\0" + HEX.substring(1)));
  }

  @Test
  void copiesBytesInAndOut() {
    byte[] b = HexFormat.of().parseHex(HEX);
    Sha3Hash h = new Sha3Hash(b);
    b[0] = 0;
    assertEquals(HEX, h.hex());
    h.bytes()[1] = 0;
    assertEquals(HEX, h.hex());
    assertArrayEquals(HexFormat.of().parseHex(HEX), h.bytes());
  }

  @Test
  void equalityIsByValue() {
    assertEquals(Sha3Hash.parse(HEX), new Sha3Hash(HexFormat.of().parseHex(HEX)));
    assertEquals(
        Sha3Hash.parse(HEX).hashCode(), new Sha3Hash(HexFormat.of().parseHex(HEX)).hashCode());
    assertNotEquals(Sha3Hash.parse(HEX), Sha3Hash.parse("0" + HEX.substring(1)));
  }

  @Test
  void matchesOnlyTheSameDigest() {
    Sha3Hash h = Sha3Hash.parse(HEX);
    assertFalse(h.matches(null));
    assertFalse(h.matches(new byte[31]));
    assertFalse(h.matches(new byte[32]));
    byte[] longer = new byte[33];
    System.arraycopy(h.bytes(), 0, longer, 0, 32);
    assertFalse(h.matches(longer));
  }

  @Test
  void refusesWrongLengths() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new Sha3Hash(new byte[20]));
    assertEquals("a SHA3-256 hash has 32 bytes, found 20", e.getMessage());
  }

  private static String message(String hex) {
    return assertThrows(IllegalArgumentException.class, () -> Sha3Hash.parse(hex)).getMessage();
  }
}
