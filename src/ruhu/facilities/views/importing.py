"""importing pages of the facilities domain."""

urlpatterns: list = []
