"""Training VP-JNDnet: datasets (MCL-JCI, KonJND-1k, our teacher-labelled corpus), labelling,
calibration, the training loop and evaluation. Everything here imports numpy; the trainer imports
torch. Commands import these modules inside the command function.
"""
