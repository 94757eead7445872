print("ebmflow")
