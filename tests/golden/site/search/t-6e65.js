CatalogSearch.add("t","ne",{"network":"081W2W1M","network b":"1X","network matter":"3O","network trained":"0O","network via":"4X","neural":"0B3T1T","neural network":"0E3K1K","neurip":"1U"});
