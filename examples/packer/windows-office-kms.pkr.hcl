# Example Packer template: a Windows 11 lab image with Office LTSC 2024, prepared for KMS
# activation at first boot. Adapt the source block to your hypervisor (hyperv-iso here;
# vsphere-iso and others take the same provisioners).
#
#   packer init examples/packer && packer build -var kms_host=kms.example.edu examples/packer
#
# Order matters: install Office -> playbooks/image.yml (key and KMS host, no activation)
# -> sysprep /generalize (new ClientMachineID per PC, so the KMS host counts each one).
# Relative paths in Packer resolve from the directory packer runs in; every file here is
# named from ${path.root} (this template's folder), so the command above works from the
# repository root, or from anywhere with the path to this folder.

packer {
  required_plugins {
    hyperv = {
      source  = "github.com/hashicorp/hyperv"
      version = ">= 1.1.0"
    }
    ansible = {
      source  = "github.com/hashicorp/ansible"
      version = ">= 1.1.0"
    }
  }
}

variable "iso_url" {
  type        = string
  description = "Windows 11 Education/Enterprise volume-licensing ISO."
}

variable "iso_checksum" {
  type = string
}

variable "kms_host" {
  type        = string
  description = "Your organisation's KMS host (the image never contacts it)."
}

variable "winrm_password" {
  type      = string
  sensitive = true
}

source "hyperv-iso" "lab" {
  iso_url          = var.iso_url
  iso_checksum     = var.iso_checksum
  generation       = 2
  cpus             = 2
  memory           = 8192
  disk_size        = 81920
  switch_name      = "Default Switch"
  # autounattend.xml (not included) creates the administrator account and enables WinRM
  # over HTTPS with a self-signed certificate.
  cd_files         = ["${path.root}/autounattend.xml"]
  communicator     = "winrm"
  winrm_username   = "Administrator"
  winrm_password   = var.winrm_password
  winrm_use_ssl    = true
  winrm_insecure   = true
  winrm_timeout    = "2h"
  shutdown_command = "" # sysprep shuts the VM down
}

build {
  sources = ["source.hyperv-iso.lab"]

  # 1. Office LTSC 2024 with the Office Deployment Tool (volume channel PerpetualVL2024).
  provisioner "file" {
    source      = "${path.root}/office-ltsc2024.xml"
    destination = "C:/Windows/Temp/office-ltsc2024.xml"
  }

  provisioner "powershell" {
    inline = [
      "Invoke-WebRequest -Uri $env:ODT_URL -OutFile C:/Windows/Temp/odt.exe",
      "Start-Process C:/Windows/Temp/odt.exe -ArgumentList '/quiet /extract:C:/Windows/Temp/odt' -Wait",
      "Start-Process C:/Windows/Temp/odt/setup.exe -ArgumentList '/configure C:/Windows/Temp/office-ltsc2024.xml' -Wait",
    ]
    environment_vars = ["ODT_URL=https://download.microsoft.com/download/officedeploymenttool.exe"]
  }

  # 2. The collection's image playbook: GVLK where needed, KMS host set, never activated.
  provisioner "ansible" {
    playbook_file = "${path.root}/../../playbooks/image.yml"
    user          = "Administrator"
    use_proxy     = false
    extra_arguments = [
      "-e", "ansible_connection=winrm",
      "-e", "ansible_winrm_transport=ntlm",
      "-e", "ansible_winrm_server_cert_validation=ignore",
      "-e", "office_kms_host=${var.kms_host}",
      "-e", "office_kms_product_key=auto",
    ]
    # With use_proxy = false and a WinRM communicator, the plugin passes the communicator's
    # password to Ansible itself (ansible_password, masked in Packer's log).
    ansible_env_vars = ["ANSIBLE_CONFIG=${path.root}/../../ansible.cfg"]
  }

  # 3. Generalise last: each PC made from the image gets its own ClientMachineID.
  provisioner "powershell" {
    inline = [
      "& $env:SystemRoot/System32/Sysprep/sysprep.exe /generalize /oobe /shutdown /quiet",
    ]
  }
}
