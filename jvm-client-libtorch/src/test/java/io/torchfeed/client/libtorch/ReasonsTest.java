package io.torchfeed.client.libtorch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ReasonsTest {
  @Test
  void keepsTheFirstLineOfACppError() {
    String message = "PytorchStreamReader failed reading zip archive: not a ZIP archive\n"
        + "Exception raised from valid at inline_container.cc:242 (most recent call first):\n"
        + "frame #0: c10::Error::Error(...)\n";
    assertEquals("PytorchStreamReader failed reading zip archive: not a ZIP archive",
        Reasons.firstLine(message));
  }

  @Test
  void skipsLeadingBlankLines() {
    assertEquals("Unknown type name '__torch__.Net':",
        Reasons.firstLine("\nUnknown type name '__torch__.Net':\n__torch__.Net\n"));
  }

  @Test
  void dropsEnforcePrefixAndImprovementBoilerplate() {
    assertEquals("file in archive is not in a subdirectory: hello.txt",
        Reasons.firstLine("[enforce fail at inline_container.cc:180] . file in archive is not in a"
            + " subdirectory: hello.txt"));
    assertEquals("Expected hasRecord(\"version\") to be true, but got false.",
        Reasons.firstLine("Expected hasRecord(\"version\") to be true, but got false.  (Could this error"
            + " message be improved?  If so, please report an enhancement request to PyTorch.)\n"
            + "Exception raised..."));
  }

  @Test
  void takesTheErrorAfterATorchScriptTraceback() {
    String message = "The following operation failed in the TorchScript interpreter.\n"
        + "Traceback of TorchScript (most recent call last):\n"
        + "  File \"code/__torch__.py\", line 18, in forward\n"
        + "    input = torch.relu((conv0).forward(x, ))\n"
        + "                        ~~~~~~~~~~~~~~ <--- HERE\n"
        + "RuntimeError: expected scalar type Long but found Float\n"
        + "Exception raised from ... (most recent call first):\n";
    assertEquals("expected scalar type Long but found Float", Reasons.raisedError(message));
    assertEquals("forward() is missing value for argument 'x'.",
        Reasons.raisedError("forward() is missing value for argument 'x'.\nframe #0: ..."));
    assertEquals("The following operation failed in the TorchScript interpreter.",
        Reasons.raisedError("The following operation failed in the TorchScript interpreter.\nno error line"));
  }

  @Test
  void neverEmptyNeverMultiLineNeverLong() {
    assertEquals("unknown error", Reasons.firstLine(null));
    assertEquals("unknown error", Reasons.firstLine(" \n\t\n"));
    assertEquals("a b c", Reasons.oneLine("a\tb\u0000 c\r"));
    String longLine = Reasons.oneLine("x".repeat(1000));
    assertEquals(Reasons.MAX_LENGTH, longLine.length());
    assertTrue(longLine.endsWith("..."));
  }
}
