# One bhyve VM, supervised by vmrun, run by Nomad on a FreeBSD client
# (raw_exec).  README.md beside this file says how to run many of them.
#
#   nomad job run -var vm=web1 -var disk=/vm/web1/disk.img \
#       -var tap=tap1 vmrun.nomad.hcl
#
# The job's ID is its label, "vmrun": running this file again with other
# variables replaces that job, and its VM.  Give each VM a job of its own
# (README.md, "One job per VM").
#
# tests/cli/nomad_test.sh reads this file: it runs the command below with
# the template rendered, so keep the "args = [" list one word or a few
# per line, without comments after the words, and the template between
# "data = <<-VMJSON" and "VMJSON".

variable "vm" {
  description = "The VM name: bhyve's, and that of vmrun's lock and socket"
  type        = string
  default     = "freebsd-test"
}

variable "cpu" {
  description = "Virtual CPUs"
  type        = number
  default     = 2
}

variable "mem_mb" {
  description = "Guest memory in MiB"
  type        = number
  default     = 512
}

variable "disk" {
  description = "The disk image, a path on the client"
  type        = string
  default     = "/vm/freebsd-test/disk.img"
}

variable "tap" {
  description = "The tap interface, which must exist on the client"
  type        = string
  default     = "tap0"
}

variable "node" {
  description = "The client (node name) that holds the disk; empty: any"
  type        = string
  default     = ""
}

job "vmrun" {
  type        = "service"
  datacenters = ["*"]

  # What the VM configuration is rendered from: the template reads these
  # as NOMAD_META_*.  The variables set them here; nomad job dispatch
  # -meta sets them in the parameterized form (README.md).
  meta {
    vm   = var.vm
    cpu  = format("%d", var.cpu)
    mem  = format("%dM", var.mem_mb)
    disk = var.disk
    tap  = var.tap
  }

  constraint {
    attribute = "${attr.kernel.name}"
    value     = "freebsd"
  }

  # A VM's disk is on one host: -var node=NAME keeps the job there.
  dynamic "constraint" {
    for_each = var.node == "" ? [] : [var.node]
    content {
      attribute = "${node.unique.name}"
      value     = constraint.value
    }
  }

  group "vm" {
    # One VM, one vmrun.  A second on the same host would be refused (75);
    # on another host it would boot a second guest from the same disk.
    count = 1

    # Nomad restarts the task of a service job whenever it ends, whatever
    # its exit status, and cannot be told which of vmrun's statuses
    # (vmrun(8), EXIT STATUS) deserve it:
    #
    #   0      the guest rebooted and vmrun was told not to restart it
    #          (--no-reboot, max_reboots).  Not with the arguments below: a
    #          reboot restarts the guest inside vmrun; Nomad sees nothing.
    #   1      the guest powered off.  It is also vmrun's status after
    #          Nomad's own SIGTERM, but Nomad does not restart a task it
    #          stopped.  A power-off from inside the guest is restarted
    #          like a crash: to keep a VM off, stop its job.
    #   2-4    the guest halted, triple-faulted, or bhyve failed.
    #   64-66  the command line or the configuration is wrong: the job
    #          needs fixing, and restarts only repeat the message.
    #   69     this host lacks the disk, the tap interface, vmm or the
    #          firmware; stderr says which.  Nothing was started.
    #   75     the VM runs already on this host, outside this allocation:
    #          another vmrun holds its lock (started by hand, or by another
    #          job naming the same VM), or a bhyve outlived a vmrun that was
    #          killed.  vmrun touched nothing; this clears only when someone
    #          stops that VM, so retrying often only fills the log.
    #   76     crash loop: vmrun restarted the guest restart_limit times
    #          (10 within 60 s by default) already.  Retrying at once only
    #          repeats that.
    #
    # Hence: a restart a minute later, two within half an hour, then the
    # allocation fails, and the reschedule policy retries, backing off to
    # once an hour.
    restart {
      attempts = 2
      interval = "30m"
      delay    = "1m"
      mode     = "fail"
    }

    # A VM pinned to its host is placed there again; elsewhere Nomad
    # prefers another client that fits.
    reschedule {
      delay          = "2m"
      delay_function = "exponential"
      max_delay      = "1h"
      unlimited      = true
    }

    task "vmrun" {
      driver = "raw_exec"

      # vmrun's graceful stop (SIGINT does the same): the ACPI power
      # button, then after --stop-timeout a forced power-off, and SIGKILL
      # to bhyve 10 s after that.  kill_timeout covers all of it, with 5 s
      # for the cleanup: 15 + 10 + 5.  Should Nomad's SIGKILL come first,
      # bhyve, in a process group of its own, keeps running; the guest is
      # unharmed, but the next start is refused (75) until it is stopped.
      #
      # Nomad caps kill_timeout at the client's max_kill_timeout, 30 s by
      # default.  For a guest that needs longer to shut down, raise
      # max_kill_timeout in the client configuration of every client
      # (client { max_kill_timeout = "2m" }) together with these two.
      kill_signal  = "SIGTERM"
      kill_timeout = "30s"

      # Rendered into the task's local directory (NOMAD_TASK_DIR) before
      # the task starts; toJSON quotes a string as JSON.  vmrun reads it
      # once, at start: a change waits for the next start (noop) instead
      # of powering the VM off.
      template {
        destination = "local/vm.json"
        change_mode = "noop"
        data        = <<-VMJSON
          {
            "name": {{ env "NOMAD_META_vm" | toJSON }},
            "cpu": {{ env "NOMAD_META_cpu" }},
            "mem": {{ env "NOMAD_META_mem" | toJSON }},
            "com1": "capture",
            "emulations": [
              {
                "device": "virtio-net",
                "name": {{ env "NOMAD_META_tap" | toJSON }}
              },
              {
                "device": "virtio-blk",
                "path": {{ env "NOMAD_META_disk" | toJSON }}
              }
            ]
          }
          VMJSON
      }

      # A task has no standard input of its own (raw_exec gives it
      # /dev/null) and a template cannot be one, so sh opens the rendered
      # file as vmrun's standard input (-c -) and replaces itself with
      # vmrun: Nomad's signals reach vmrun, and its exit status is
      # vmrun's.  The words after "sh" are vmrun's command line, passed
      # as they are, never reparsed by the shell.
      config {
        command = "/bin/sh"
        args = [
          "-c", "exec \"$@\" < \"$NOMAD_TASK_DIR/vm.json\"", "sh",
          "/usr/local/sbin/vmrun",
          "-c", "-",
          "--stop-timeout", "15",
          "--events", "${NOMAD_ALLOC_DIR}/logs/vmrun.events",
        ]
      }

      # What the scheduler counts when it places the VM; raw_exec limits
      # nothing.  The memory is the guest's and bhyve's own.
      resources {
        cpu    = 500 * var.cpu
        memory = var.mem_mb + 64
      }
    }
  }
}
