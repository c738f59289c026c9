"""Loops that end by what their bodies do to an object, not by a counter: while loops whose
condition reads names the body never assigns (rare in the corpus's other programs)."""


class Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0

    def more(self) -> bool:
        return self.at < len(self.text)

    def words(self) -> list[str]:
        found = []
        while self.more():
            end = self.text.find(" ", self.at)
            end = len(self.text) if end < 0 else end
            found.append(self.text[self.at : end])
            self.at = end + 1
        return found
