"""The electronic health card (电子健康卡): issued to residents and their family, shown as a signed
QR code, scanned at hospitals, every use visible to the holder."""
