#!/bin/sh
# make demo: what vmrun does with the bundled example configuration.
set -e
cd "$(dirname "$0")/.."
ex=examples/freebsd-test.json

echo "== $ex, default target: the bhyve command vmrun would run"
./vmrun/vmrun -c "$ex" --dry-run
echo
echo "== the same configuration, target \"install\" (adds the installer ISO)"
./vmrun/vmrun -c "$ex" -t install --dry-run
echo
echo "== the slot map of every target, through libvmrun (examples/slotmap)"
./examples/slotmap "$ex"
echo
echo "== a configuration with mistakes: every problem at once, by JSON path"
printf '%s\n' '{"name": "bad vm", "cpu": 0, "mem": "512X",' \
    ' "emulations": [{"device": "virtio-blk"}, {"devise": "virtio-net"}]}' |
    ./vmrun/vmrun -c - --dry-run || echo "(exit status $?)"
