CatalogSearch.add("t","be",{"before":"3J","before training":"3O","bengio":"5c","benjamin":"5c","beyond":"0j","beyond overfitting":"0X"});
