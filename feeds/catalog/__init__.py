"""What is published: the publisher (the one writer) and the catalogue it keeps in .feeds/."""
