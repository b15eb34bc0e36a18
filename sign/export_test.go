package sign

// SignNamespace signs in another namespace, as ssh-keygen -Y sign -n NS
// would: for the test that such a signature is refused.
var SignNamespace = signNS
