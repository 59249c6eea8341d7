"""Tests of .ci/image's parts that need no container (its slimming of the base image, its reading of buildah's
steps) and of the Dockerfile's promises that .ci/image relies on. Run by .ci/test before the suites
(python3 -m unittest discover -s .ci/tests); standard library only.
"""
import importlib.machinery
import importlib.util
import re
import sys
import tempfile
import unittest
from pathlib import Path

CI = Path(__file__).resolve().parents[1]
DOCKERFILE = CI.parent / "Dockerfile"


def load_image_script():
    sys.dont_write_bytecode = True
    loader = importlib.machinery.SourceFileLoader("ci_image", str(CI / "image"))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader("ci_image", loader))
    loader.exec_module(module)
    return module


image = load_image_script()


def stages_of(dockerfile):
    """[(name, [lines])] of the Dockerfile's stages, in order."""
    stages = []
    for line in dockerfile.read_text().splitlines():
        m = re.match(r"FROM \S+ AS (\S+)", line)
        if m:
            stages.append((m.group(1), []))
        elif stages:
            stages[-1][1].append(line)
    return stages


class SlimifyTest(unittest.TestCase):
    def test_empties_the_excluded_trees_but_keeps_the_included_files(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            files = {"usr/share/doc/bash/copyright": "kept", "usr/share/doc/bash/changelog.gz": "gone",
                     "usr/share/man/man1/ls.1.gz": "gone", "usr/share/locale/de/LC_MESSAGES/x.mo": "gone",
                     "usr/share/locale/locale.alias": "kept", "usr/share/info/dir": "gone",
                     "usr/bin/ls": "kept (not excluded)"}
            for path, text in files.items():
                (root / path).parent.mkdir(parents=True, exist_ok=True)
                (root / path).write_text(text)
            (root / "usr/share/doc/dangling").symlink_to("nothing-here")
            (root / "etc/dpkg/dpkg.cfg.d").mkdir(parents=True)

            image.slimify(root)

            left = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() or p.is_symlink())
            self.assertEqual(["etc/dpkg/dpkg.cfg.d/docker", "usr/bin/ls", "usr/share/doc/bash/copyright",
                              "usr/share/locale/locale.alias"], left)
            self.assertFalse((root / "usr/share/man/man1").exists(), "emptied directories are removed")
            config = (root / "etc/dpkg/dpkg.cfg.d/docker").read_text()
            self.assertIn("path-exclude /usr/share/doc/*\n", config)
            self.assertIn("path-include /usr/share/doc/*/copyright\n", config)


class StagesTest(unittest.TestCase):
    def test_reads_the_stage_names_from_buildahs_steps(self):
        steps = ["[3/4] STEP 1/10: FROM debian:12 AS jar", "[3/4] STEP 2/10: RUN apt-get update",
                 "[4/4] STEP 1/11: FROM debian:12-slim AS runtime", "[4/4] STEP 11/11: CMD [\"serve\"]"]
        self.assertEqual(["jar", "runtime"], image.stages(steps))


class DockerfileTest(unittest.TestCase):
    def test_the_default_target_is_the_server(self):
        names = [name for name, _ in stages_of(DOCKERFILE)]
        self.assertEqual("runtime", names[-1], "docker build without --target builds the last stage")
        self.assertIn("native-client", names)

    def test_the_images_run_as_a_numeric_non_root_user(self):
        for name, lines in stages_of(DOCKERFILE):
            if name in ("runtime", "native-client"):
                users = [line.split()[1] for line in lines if line.startswith("USER ")]
                self.assertEqual(1, len(users), name)
                self.assertRegex(users[0], r"^[1-9]\d*(:\d+)?$", f"{name}: a numeric user other than root")

    def test_only_the_maven_step_mounts_the_trust_store(self):
        text = DOCKERFILE.read_text()
        self.assertEqual(1, text.count("--mount=type=secret,id=cacerts"))
        jar = dict(stages_of(DOCKERFILE))["jar"]
        self.assertTrue(any("--mount=type=secret,id=cacerts" in line for line in jar))


if __name__ == "__main__":
    unittest.main()
