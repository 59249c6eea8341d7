"""Tests of .ci/reliability against a temporary repository: a git work tree with a small case list, a run stamp
written by --begin-run and --end-run, and JUnit, CTest and libFuzzer reports written here. Run by .ci/test
before the suites (python3 -m unittest discover -s .ci/tests); standard library only.
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

CI = Path(__file__).resolve().parents[1]
RELIABILITY = CI / "reliability"
FUZZ_LONG = CI / "fuzz-long"
GIT_ENV = dict(os.environ, GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1", GIT_AUTHOR_NAME="test",
               GIT_AUTHOR_EMAIL="test@example.org", GIT_COMMITTER_NAME="test", GIT_COMMITTER_EMAIL="test@example.org")

SOURCE = """# Reliability

%%RUN%%

%%CASES%%

%%FUZZ_RUNS%%

%%FUZZ_COVERAGE%%

<!-- cases -->

## Java

case: SameTest of package a
tests: io.torchfeed.a.SameTest#works
checks: one

case: SameTest of package b, and an integration test
tests: io.torchfeed.b.SameTest#works io.torchfeed.b.OtherIT#runs
checks: two

## Native

case: the codec and the short fuzzing run
tests: ctest:codec.Frames.Decode fuzz:frame_decoder_fuzz
checks: three
"""
EVERY_TEST = {"surefire": {"io.torchfeed.a.SameTest": {"works": "pass"}, "io.torchfeed.b.SameTest": {"works": "pass"}},
              "failsafe": {"io.torchfeed.b.OtherIT": {"runs": "pass"}}}
FUZZ_HEADER = "date\tcommit\ttarget\tseconds\texecutions\tresult\tcheck\n"


def junit_xml(cases):
    """A JUnit XML report: cases is a list of (classname, name, 'pass' | 'fail' | 'skip')."""
    body = {"pass": "", "fail": "<failure message='no'/>", "skip": "<skipped/>"}
    return ("<?xml version='1.0'?>\n<testsuite>\n"
            + "".join(f"  <testcase classname='{c}' name='{n}'>{body[o]}</testcase>\n" for c, n, o in cases)
            + "</testsuite>\n")


def fuzz_row(*fields):
    """A row as .ci/fuzz-long writes it: the six fields and their checksum."""
    check = hashlib.sha256("\t".join(("torchfeed-fuzz-long-v1",) + fields).encode()).hexdigest()[:16]
    return "\t".join(fields + (check,)) + "\n"


class ReliabilityTest(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory(prefix="reliability-test-")
        self.addCleanup(tmp.cleanup)
        self.root = Path(tmp.name)
        self.write("docs/reliability.src.md", SOURCE)
        self.write(".gitignore", "target/\nbuild/\nbuild-fuzz/\n.ci-run/\ndocs/.fuzz-runs.lock\n")
        self.write("native-client/src/protocol.cpp", "// the codec\n")
        self.write("protocol/src/main/java/io/torchfeed/protocol/FrameDecoder.java", "class FrameDecoder {}\n")
        self.git("init", "-q")
        self.first = self.commit("the fixture")

    # --- the fixture

    def write(self, relative, text):
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    def git(self, *args):
        return subprocess.run(["git", "-C", str(self.root), *args], env=GIT_ENV, check=True, capture_output=True,
                              text=True).stdout.strip()

    def commit(self, message):
        self.git("add", "-A")
        self.git("-c", "commit.gpgsign=false", "commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD")

    def reliability(self, *args):
        return subprocess.run([str(RELIABILITY), "--root", str(self.root), *args], env=GIT_ENV, capture_output=True,
                              text=True)

    def begin(self):
        done = self.reliability("--begin-run")
        self.assertEqual(done.returncode, 0, done.stderr)
        return json.loads((self.root / ".ci-run/stamp.json").read_text())

    def end(self):
        done = self.reliability("--end-run")
        self.assertEqual(done.returncode, 0, done.stderr)
        return json.loads((self.root / ".ci-run/stamp.json").read_text())

    def write_reports(self, junit=EVERY_TEST, ctest="pass", fuzz_exit=0, module="server"):
        paths = []
        for plugin, classes in junit.items():
            for classname, methods in classes.items():
                paths.append(self.write(f"{module}/target/{plugin}-reports/TEST-{classname}.xml",
                                        junit_xml([(classname, m, o) for m, o in methods.items()])))
        if ctest:
            paths.append(self.write("native-client/build/ctest-junit.xml",
                                    junit_xml([("codec", "codec.Frames.Decode", ctest)])))
        if fuzz_exit is not None:
            paths.append(self.write("native-client/build-fuzz/last-run.tsv",
                                    f"frame_decoder_fuzz\t20\t1000\t{fuzz_exit}"))
        return paths

    def page(self):
        return (self.root / "docs/reliability.md").read_text()

    def outcome(self, test_id):
        """The result the page's table gives this test."""
        rows = [line.split(" | ") for line in self.page().splitlines() if f"`{test_id}`" in line]
        self.assertEqual(len(rows), 1, f"one table row names {test_id}")
        tests, results = rows[0][1].split("<br>"), rows[0][2].split("<br>")
        return results[tests.index(f"`{test_id}`")]

    def assert_refused(self, done, *words):
        self.assertEqual(done.returncode, 2, done.stdout + done.stderr)
        for word in words:
            self.assertIn(word, done.stderr)
        self.assertFalse((self.root / "docs/reliability.md").exists(), "no page is written when a report is refused")

    # --- the run stamp and the age of the reports

    def test_a_complete_run_gives_a_page_where_every_case_passed(self):
        self.begin()
        self.write_reports()
        self.end()
        done = self.reliability()
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("3 cases, every case passed", self.page())
        self.assertEqual(self.outcome("io.torchfeed.b.OtherIT#runs"), "pass")

    def test_the_reports_of_every_maven_module_count(self):
        self.begin()
        self.write_reports(junit={"surefire": EVERY_TEST["surefire"]}, module="protocol")
        self.write_reports(junit={"failsafe": EVERY_TEST["failsafe"]}, ctest=None, fuzz_exit=None)
        self.end()
        done = self.reliability()
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("3 cases, every case passed", self.page())
        self.assertEqual(self.outcome("io.torchfeed.a.SameTest#works"), "pass")

    def test_a_report_older_than_the_run_is_refused_by_name(self):
        stamp = self.begin()
        reports = self.write_reports()
        self.end()
        stale = self.root / "server/target/surefire-reports/TEST-io.torchfeed.a.SameTest.xml"
        self.assertIn(stale, reports)
        before = stamp["started_ns"] - 1_000_000_000
        os.utime(stale, ns=(before, before))
        self.assert_refused(self.reliability(), "server/target/surefire-reports/TEST-io.torchfeed.a.SameTest.xml",
                            "before the run")

    def test_a_report_newer_than_the_end_of_the_run_is_refused_by_name(self):
        self.begin()
        self.write_reports()
        stamp = self.end()
        later = self.root / "server/target/failsafe-reports/TEST-io.torchfeed.b.OtherIT.xml"
        after = stamp["finished_ns"] + 1_000_000_000
        os.utime(later, ns=(after, after))
        self.assert_refused(self.reliability(), "server/target/failsafe-reports/TEST-io.torchfeed.b.OtherIT.xml",
                            "after the run")

    def test_the_libfuzzer_and_ctest_reports_are_held_to_the_run_too(self):
        stamp = self.begin()
        self.write_reports()
        self.end()
        before = stamp["started_ns"] - 1_000_000_000
        for report in ("native-client/build/ctest-junit.xml", "native-client/build-fuzz/last-run.tsv"):
            os.utime(self.root / report, ns=(before, before))
        self.assert_refused(self.reliability(), "native-client/build/ctest-junit.xml",
                            "native-client/build-fuzz/last-run.tsv")

    def test_without_a_stamp_nothing_is_written(self):
        self.write_reports()
        self.assert_refused(self.reliability(), "no run stamp")

    def test_a_run_without_an_end_is_refused(self):
        self.begin()
        self.write_reports()
        self.assert_refused(self.reliability(), "has no end")

    def test_beginning_a_run_deletes_the_reports_of_the_last_one(self):
        old = self.write_reports()
        old += self.write_reports(module="jvm-client", ctest=None, fuzz_exit=None)
        self.begin()
        for path in old:
            self.assertFalse(path.exists(), f"{path} deleted")

    def test_a_stamp_needs_a_commit(self):
        (self.root / ".git").rename(self.root / "not-git")
        done = self.reliability("--begin-run")
        self.assertEqual(done.returncode, 2)
        self.assertIn("not a git work tree", done.stderr)

    # --- what the page says

    def test_a_listed_test_absent_from_the_reports_is_not_run_and_fails(self):
        self.begin()
        self.write_reports(junit={"surefire": EVERY_TEST["surefire"]})  # no failsafe report: OtherIT did not run
        self.end()
        done = self.reliability()
        self.assertEqual(done.returncode, 1)
        self.assertIn("io.torchfeed.b.OtherIT#runs (not run)", done.stderr)
        self.assertEqual(self.outcome("io.torchfeed.b.OtherIT#runs"), "not run")
        self.assertIn("1 test(s) did not pass", self.page())

    def test_classes_with_the_same_simple_name_in_different_packages_are_not_confused(self):
        for failing, passing in (("a", "b"), ("b", "a")):
            with self.subTest(failing=failing):
                junit = {"surefire": {f"io.torchfeed.{failing}.SameTest": {"works": "fail"},
                                      f"io.torchfeed.{passing}.SameTest": {"works": "pass"}},
                         "failsafe": EVERY_TEST["failsafe"]}
                self.begin()
                self.write_reports(junit=junit)
                self.end()
                done = self.reliability()
                self.assertEqual(done.returncode, 1)
                self.assertIn(f"1 case test(s) did not pass: io.torchfeed.{failing}.SameTest#works", done.stderr)
                self.assertEqual(self.outcome(f"io.torchfeed.{failing}.SameTest#works"), "FAILED 1, skipped 0 of 1")
                self.assertEqual(self.outcome(f"io.torchfeed.{passing}.SameTest#works"), "pass")

    def test_a_test_in_another_package_does_not_stand_in_for_a_listed_one(self):
        self.begin()
        self.write_reports(junit={"surefire": {"io.torchfeed.a.SameTest": {"works": "pass"},
                                               "io.torchfeed.c.SameTest": {"works": "pass"}},
                                  "failsafe": EVERY_TEST["failsafe"]})
        self.end()
        self.assertEqual(self.reliability().returncode, 1)
        self.assertEqual(self.outcome("io.torchfeed.b.SameTest#works"), "not run")

    def test_a_simple_class_name_in_the_source_is_refused_naming_the_classes_found(self):
        self.write("docs/reliability.src.md", SOURCE.replace("io.torchfeed.a.SameTest#works", "SameTest#works"))
        self.write("server/src/test/java/io/torchfeed/a/SameTest.java", "class SameTest {}\n")
        self.write("server/src/test/java/io/torchfeed/b/SameTest.java", "class SameTest {}\n")
        self.begin()
        self.write_reports()
        self.end()
        self.assert_refused(self.reliability(), "SameTest#works", "io.torchfeed.a.SameTest, io.torchfeed.b.SameTest")

    def test_the_page_carries_the_stamps_commit_and_dirty_state_not_the_checkout_of_the_moment(self):
        self.write("native-client/src/protocol.cpp", "// changed, not committed\n")
        stamp = self.begin()
        self.assertEqual((stamp["commit"], stamp["tree"], stamp["changed"]),
                         (self.first, "dirty", ["native-client/src/protocol.cpp"]))
        self.write_reports()
        self.end()
        later = self.commit("committed after the run started")
        self.assertEqual(self.reliability().returncode, 0)
        page = self.page()
        self.assertIn(f"commit `{self.first}` with a DIRTY work tree", page)
        self.assertIn("`native-client/src/protocol.cpp`", page)
        self.assertNotIn(later, page)
        self.assertIn(stamp["started"], page)

    def test_a_clean_work_tree_is_recorded_as_clean(self):
        stamp = self.begin()
        self.assertEqual((stamp["tree"], stamp["changed"]), ("clean", []))
        self.write_reports()
        self.end()
        self.assertEqual(self.reliability().returncode, 0)
        self.assertIn(f"commit `{self.first}` with a clean work tree", self.page())

    def test_a_second_run_in_the_same_work_tree_is_still_clean(self):
        self.begin()
        self.write_reports()
        self.end()
        self.assertEqual(self.reliability().returncode, 0)  # rewrites the page, a tracked file in a real clone
        self.commit("the page as the run wrote it")
        (self.root / "docs/reliability.md").write_text("rewritten by the run\n")
        self.assertEqual(self.begin()["tree"], "clean", "the page a run rewrites is not a change to what is tested")
        self.write("docs/reliability.src.md", SOURCE + "\n")
        self.assertEqual(self.begin()["changed"], ["docs/reliability.src.md"])

    # --- docs/fuzz-runs.tsv

    def fuzz_long_record(self, target, seconds, executions, result, commit):
        """Appends a row with .ci/fuzz-long's own record function (taken out of the script)."""
        script = ('set -euo pipefail; cd "$1"; '
                  'eval "$(sed -n "/^FUZZ_CHECK_TAG=/p; /^header=/p; /^record() {/,/^}/p" "$2")"; commit=$3; '
                  'record "$4" "$5" "$6" "$7"')
        subprocess.run(["bash", "-c", script, "-", str(self.root), str(FUZZ_LONG), commit, target, seconds,
                        executions, result], check=True, capture_output=True, text=True)

    def complete_run(self):
        self.begin()
        self.write_reports()
        self.end()
        return self.reliability()

    def test_rows_written_by_fuzz_long_are_shown(self):
        self.fuzz_long_record("frame_decoder_fuzz", "1802", "12873967", "clean", self.first)
        self.fuzz_long_record("UploadFuzzTest", "214", "32084", "finding: a\ttab", self.first + "+")
        done = self.complete_run()
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn(f"| `{self.first[:7]}` | `frame_decoder_fuzz` | 30 min 2 s | 12,873,967 | clean |", self.page())
        self.assertIn(f"| `{self.first[:7]}+` | `UploadFuzzTest` | 3 min 34 s | 32,084 | finding: a tab |", self.page())

    def test_a_row_edited_by_hand_is_refused(self):
        self.fuzz_long_record("frame_decoder_fuzz", "1802", "12873967", "clean", self.first)
        path = self.root / "docs/fuzz-runs.tsv"
        for old, new in (("\t12873967\t", "\t22873967\t"), ("\tclean\t", "\tfinding: explained by hand\t")):
            with self.subTest(edit=new):
                original = path.read_text()
                path.write_text(original.replace(old, new))
                self.assert_refused(self.complete_run(), "docs/fuzz-runs.tsv line 2", "checksum")
                path.write_text(original)

    def test_rows_not_as_fuzz_long_writes_them_are_refused_even_with_a_matching_checksum(self):
        good = ("2026-11-22", self.first, "frame_decoder_fuzz", "1802", "100", "clean")
        bad = {"date": ("22.11.2026",) + good[1:],
               "short commit": (good[0], self.first[:7]) + good[2:],
               "commit not in the history": (good[0], "0123456789" * 4) + good[2:],
               "target": good[:2] + ("SomeOtherFuzzTest",) + good[3:],
               "seconds": good[:3] + ("30 min",) + good[4:],
               "executions": good[:4] + ("1e6",) + good[5:],
               "result": good[:5] + ("clean, by hand",),
               "empty finding": good[:5] + ("finding: ",)}
        for what, fields in bad.items():
            with self.subTest(what=what):
                self.write("docs/fuzz-runs.tsv", FUZZ_HEADER + fuzz_row(*good) + fuzz_row(*fields))
                self.assert_refused(self.complete_run(), "docs/fuzz-runs.tsv line 3")
        for what, text in {"old header": FUZZ_HEADER.replace("\tcheck", "") + fuzz_row(*good),
                           "no checksum": FUZZ_HEADER + "\t".join(good) + "\n",
                           "no final line break": FUZZ_HEADER + fuzz_row(*good).rstrip("\n")}.items():
            with self.subTest(what=what):
                self.write("docs/fuzz-runs.tsv", text)
                self.assert_refused(self.complete_run(), "docs/fuzz-runs.tsv")

    def test_a_shallow_clone_shows_unknown_rather_than_refusing_a_commit_it_lacks(self):
        unknown = "0123456789" * 4
        self.write("docs/fuzz-runs.tsv", FUZZ_HEADER + fuzz_row("2026-11-22", unknown, "frame_decoder_fuzz", "1802",
                                                                "100", "clean"))
        self.commit("a fuzzing record")
        clone = Path(tempfile.mkdtemp(prefix="reliability-shallow-"))
        self.addCleanup(shutil.rmtree, clone)
        subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{self.root}", str(clone / "r")], env=GIT_ENV,
                       check=True, capture_output=True)
        self.root = clone / "r"
        done = self.complete_run()
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("| `frame_decoder_fuzz` | 2026-11-22 on `0123456` | unknown: the commit is not in this clone's "
                      "history |", self.page())

    def test_the_coverage_of_each_target_follows_its_own_files(self):
        self.fuzz_long_record("frame_decoder_fuzz", "1802", "100", "clean", self.first)
        self.fuzz_long_record("ProtocolDecoderFuzzTest", "1801", "100", "clean", self.first)
        self.fuzz_long_record("ProtocolDecoderFuzzTest", "10", "10", "finding: FuzzTestFindingException: x", self.first)
        self.write("native-client/src/protocol.cpp", "// the codec, changed\n")
        self.commit("the codec changed")
        self.write("protocol/src/main/java/io/torchfeed/protocol/FrameDecoder.java", "class FrameDecoder { }\n")
        done = self.complete_run()  # the Java change is not committed
        self.assertEqual(done.returncode, 0, done.stderr)
        page = self.page()
        self.assertIn("| `frame_decoder_fuzz` | ", page)
        coverage = {m.group(1): m.group(2) for m in re.finditer(r"^\| `(\w+)` \| [^|]+ \| ([^|]+) \|$", page, re.M)}
        self.assertEqual(coverage["frame_decoder_fuzz"], "code changed since: `native-client/src/protocol.cpp`")
        self.assertEqual(coverage["ProtocolDecoderFuzzTest"], "code changed since: "
                         "`protocol/src/main/java/io/torchfeed/protocol/FrameDecoder.java (uncommitted)`")
        self.assertEqual(coverage["ArchivePrecheckFuzzTest"], "no clean long run recorded")

    def test_a_target_whose_files_did_not_change_is_covered(self):
        self.fuzz_long_record("frame_decoder_fuzz", "1802", "100", "clean", self.first)
        self.write("protocol/src/main/java/io/torchfeed/protocol/FrameDecoder.java", "class FrameDecoder { }\n")
        self.commit("only Java changed")
        self.assertEqual(self.complete_run().returncode, 0)
        self.assertIn(f"| `frame_decoder_fuzz` | {self.first_date()} on `{self.first[:7]}` | yes: its code is "
                      f"unchanged in the commit tested |", self.page())

    def first_date(self):
        return (self.root / "docs/fuzz-runs.tsv").read_text().splitlines()[1].split("\t")[0]


if __name__ == "__main__":
    unittest.main()
