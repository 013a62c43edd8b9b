"""Two-factor sign-in (django-otp): a code from an authenticator app (TOTP) after the password,
with one-time recovery codes for a lost phone.

- ``policy``: who must have a second factor (ministry staff and administrators, who see every
  region's unpublished data) and which step a signed-in session still owes.
- ``services``: set-up, recovery codes, and the administrator's reset.
- ``middleware.TwoFactorMiddleware``: a session that still owes its step reaches only the set-up,
  code, logout and public pages.
- ``views``: the pages (login → code or set-up → recovery codes; the account page where
  headquarters staff and reviewers opt in).
"""
