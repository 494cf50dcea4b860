// Package catalog owns the resources a tenant serves: global models, their
// whitelisting per workspace, and the deployments of a workspace. These
// are the objects the rest of IAM protects; they share one file of rules
// (a deployment names a whitelisted model of its workspace) and ask the
// workspace domain only which workspace the caller sees.
package catalog
