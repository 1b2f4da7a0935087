CatalogSearch.add("t","le",{"learning":"5k","learning require":"5X","lenaic":"1j","level":"0J","level perfect":"0O"});
